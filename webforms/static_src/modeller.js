/*
 * caseflow's modeller page (bpmn-js Modeler with a properties panel) and the
 * read-only diagram of a version (NavigatedViewer).  Bundled by esbuild into
 * static/vendor/modeller.bundle.js at `make install`; the page passes its
 * settings in <script type="application/json" id="modeller-config">.
 *
 * The page's own endpoints answer expected outcomes (a conflict, problems)
 * with 200 and ok: false, so the browser does not log them as failed loads.
 */
import Modeler from 'bpmn-js/lib/Modeler';
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';

import CaseflowPropertiesModule from './caseflow-properties.js';
import KeepUndrawnDiModule from './keep-undrawn-di.js';
import KeepLoopRefsModule from './keep-loop-refs.js';

const config = JSON.parse(document.getElementById('modeller-config').textContent);
const statusBox = document.getElementById('modeller-status');
const problemsBox = document.getElementById('problems');

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  Object.entries(attrs).forEach(([k, v]) => {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  });
  children.flat().forEach((c) => node.append(c instanceof Node ? c : document.createTextNode(String(c))));
  return node;
}

/** A GOV.UK notification banner (success) or inset text (information, errors). */
function say(kind, message, extra = []) {
  statusBox.replaceChildren();
  if (!message) return;
  if (kind === 'success') {
    statusBox.append(el('div', { class: 'govuk-notification-banner govuk-notification-banner--success', role: 'alert' },
      el('div', { class: 'govuk-notification-banner__header' },
        el('h2', { class: 'govuk-notification-banner__title' }, 'Success')),
      el('div', { class: 'govuk-notification-banner__content' },
        el('p', { class: 'govuk-notification-banner__heading' }, message), extra)));
  } else if (kind === 'error') {
    statusBox.append(el('div', { class: 'govuk-error-summary', role: 'alert' },
      el('h2', { class: 'govuk-error-summary__title' }, 'There is a problem'),
      el('div', { class: 'govuk-error-summary__body' }, el('p', { class: 'govuk-body' }, message), extra)));
  } else {
    statusBox.append(el('div', { class: 'govuk-inset-text' }, message, extra));
  }
}

async function importInto(viewer, xml) {
  try {
    const { warnings } = await viewer.importXML(xml);
    viewer.get('canvas').zoom('fit-viewport', 'auto');
    return warnings || [];
  } catch (error) {
    const text = /no diagram to display/.test(String(error && error.message))
      ? 'This file has no diagram layout (BPMN diagram interchange), so it cannot be drawn. Open it in the modeller it came from and save it with its diagram.'
      : `The diagram could not be opened: ${error && error.message ? error.message : error}`;
    say('error', text);
    return null;
  }
}

// ------------------------------------------------------------ read-only view

async function view() {
  const viewer = new NavigatedViewer({ container: '#canvas' });
  window.caseflowModeller = viewer;
  await importInto(viewer, config.xml);
}

// ------------------------------------------------------------ the modeller

async function edit() {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const modeler = new Modeler({
    container: '#canvas',
    propertiesPanel: {
      parent: '#properties',
      layout: { groups: { general: { open: true }, caseflow: { open: true } } },
    },
    additionalModules: [
      BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, CaseflowPropertiesModule, KeepUndrawnDiModule,
      KeepLoopRefsModule,
      { caseflowConfig: ['value', config] },
    ],
  });
  window.caseflowModeller = modeler;
  let base = config.base;
  let dirty = false;
  let busy = false;
  let marked = [];

  const warnings = await importInto(modeler, config.xml);
  if (warnings && warnings.length) {
    say('info', `The diagram opened with ${warnings.length} warning${warnings.length === 1 ? '' : 's'}: `
      + warnings.slice(0, 3).map((w) => w.message.split('\n')[0]).join('; '));
  }
  modeler.on('commandStack.changed', () => { dirty = true; });

  async function post(url, body) {
    const response = await fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrf },
      body: JSON.stringify(body),
    });
    try {
      return await response.json();
    } catch (error) {
      return { ok: false, error: `The server could not be reached properly (it answered ${response.status}). Nothing was changed; try again.` };
    }
  }

  async function currentXml() {
    const { xml } = await modeler.saveXML({ format: true });
    return xml;
  }

  function download(xml, name) {
    const url = URL.createObjectURL(new Blob([xml], { type: 'application/xml' }));
    const link = el('a', { href: url, download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  // -------------------------------------------------------- problems

  function elementFor(id) {
    const registry = modeler.get('elementRegistry');
    if (!id) return null;
    return registry.get(id)
      || registry.find((e) => e.businessObject && e.businessObject.processRef && e.businessObject.processRef.id === id)
      || registry.find((e) => e.businessObject && e.businessObject.id === id && !e.labelTarget)
      || null;
  }

  function clearProblems() {
    const canvas = modeler.get('canvas');
    marked.forEach((e) => canvas.removeMarker(e, 'caseflow-invalid'));
    marked = [];
    problemsBox.replaceChildren();
  }

  function showProblems(problems) {
    clearProblems();
    if (!problems.length) return;
    const canvas = modeler.get('canvas');
    const items = problems.map((p) => {
      const target = elementFor(p.element);
      if (target && !marked.includes(target)) {
        canvas.addMarker(target, 'caseflow-invalid');
        marked.push(target);
      }
      const where = p.element ? el('span', { class: 'caseflow-problem-element' }, ` (${p.element})`) : '';
      const link = el('a', {
        href: `#element-${p.element || ''}`,
        'data-element': p.element || '',
        onclick: (event) => {
          event.preventDefault();
          if (!target) return;
          modeler.get('selection').select(target);
          canvas.scrollToElement(target);
        },
      }, p.message);
      return el('li', {}, link, where);
    });
    problemsBox.append(el('div', { class: 'govuk-error-summary', 'data-module': 'govuk-error-summary' },
      el('div', { role: 'alert' },
        el('h2', { class: 'govuk-error-summary__title' }, 'There is a problem'),
        el('div', { class: 'govuk-error-summary__body' },
          el('p', { class: 'govuk-body' }, 'It cannot be deployed until these are put right. The elements are outlined in red; select a message to go to its element.'),
          el('ul', { class: 'govuk-list govuk-error-summary__list' }, items)))));
    problemsBox.focus();
  }

  // -------------------------------------------------------- actions

  async function save() {
    const xml = await currentXml();
    const answer = await post(config.urls.save, { xml, base });
    if (answer.ok) {
      base = answer.hash;
      dirty = false;
      say('success', answer.message || 'Draft saved.');
      return true;
    }
    const extra = [el('p', { class: 'govuk-body' },
      el('a', { href: '#', class: 'govuk-link', onclick: (e) => { e.preventDefault(); download(xml, `${config.key}-my-copy.bpmn`); } },
        'Download your copy (.bpmn)'),
      answer.copy ? ' \u2013 it is also kept on the process\u2019s page.' : '')];
    say('error', answer.error || 'The draft was not saved.', answer.copy ? extra : []);
    return false;
  }

  async function validate() {
    const answer = await post(config.urls.validate, { xml: await currentXml() });
    if (!answer.ok) {
      say('error', answer.error || 'The diagram could not be checked.');
      return false;
    }
    showProblems(answer.problems);
    if (answer.problems.length) {
      say('info', `${answer.problems.length} problem${answer.problems.length === 1 ? '' : 's'} found.`);
      return false;
    }
    const warned = answer.warnings || [];
    say('success', 'No problems found: the diagram can be deployed.' + (warned.length
      ? ` ${warned.length} step${warned.length === 1 ? ' has' : 's have'} no sentence for the family yet: `
        + warned.map((w) => w.message.split('’')[0].replace('‘', '')).join(', ') + '.' : ''));
    return true;
  }

  async function deploy() {
    if (dirty || !config.draftSaved) {
      if (!(await save())) return;
      config.draftSaved = true;
    }
    const answer = await post(config.urls.deploy, { base });
    if (answer.ok) {
      dirty = false;
      window.location.assign(answer.redirect);
      return;
    }
    if (answer.problems) showProblems(answer.problems);
    say('error', answer.error || 'The diagram was not deployed.');
  }

  async function run(action) {
    if (busy) return;
    busy = true;
    document.querySelectorAll('[data-action]').forEach((b) => b.setAttribute('aria-disabled', 'true'));
    try {
      if (action === 'save') await save();
      if (action === 'validate') await validate();
      if (action === 'deploy') await deploy();
      if (action === 'download') download(await currentXml(), `${config.key}.bpmn`);
    } catch (error) {
      say('error', `Something went wrong: ${error && error.message ? error.message : error}. Nothing was lost: download the diagram to keep it.`);
    } finally {
      busy = false;
      document.querySelectorAll('[data-action]').forEach((b) => b.removeAttribute('aria-disabled'));
    }
  }

  document.querySelectorAll('button[data-action]').forEach((button) => {
    button.addEventListener('click', () => run(button.dataset.action));
  });
  const fileInput = document.querySelector('input[data-action="open"]');
  if (fileInput) {
    fileInput.addEventListener('change', async () => {
      const file = fileInput.files && fileInput.files[0];
      if (!file) return;
      const opened = await importInto(modeler, await file.text());
      fileInput.value = '';
      if (opened) {
        dirty = true;
        clearProblems();
        say('info', `${file.name} is open. Save a draft to keep it here.`);
      }
    });
  }
  document.body.dataset.modellerReady = 'true';
}

if (config.mode === 'view') view().then(() => { document.body.dataset.modellerReady = 'true'; });
else edit();
