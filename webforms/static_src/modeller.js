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
import { layoutProcess } from 'bpmn-auto-layout';

import CaseflowPropertiesModule from './caseflow-properties.js';
import KeepUndrawnDiModule from './keep-undrawn-di.js';
import KeepLoopRefsModule from './keep-loop-refs.js';
import FitViewportModule from './fit-viewport.js';

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

/** Nothing drawn: the file has no diagram interchange (no layout) at all, or
 * an empty one, while its processes hold elements. */
function nothingDrawn(viewer) {
  const drawn = viewer.get('elementRegistry').filter((e) => e.parent);
  const definitions = viewer.getDefinitions && viewer.getDefinitions();
  const holdsElements = definitions && (definitions.rootElements || []).some(
    (r) => (r.flowElements || []).length);
  return !drawn.length && holdsElements;
}

/**
 * Open the XML.  A diagram without layout (BPMN diagram interchange), as
 * some tools write, is laid out here (bpmn-auto-layout) rather than refused:
 * the answer says so (laidOut) so the page can tell the person, and a save
 * keeps the layout.  Returns { warnings, laidOut }, or null if it could not
 * be opened (the reason is shown).
 */
async function importInto(viewer, xml) {
  let laidOut = false;
  try {
    let { warnings } = await viewer.importXML(xml).catch((error) => {
      if (!/no diagram to display/.test(String(error && error.message))) throw error;
      return { warnings: null };
    });
    if (warnings === null || nothingDrawn(viewer)) {
      ({ warnings } = await viewer.importXML(await layoutProcess(xml)));
      laidOut = true;
    }
    return { warnings: warnings || [], laidOut }; // fitted on import (fit-viewport.js)
  } catch (error) {
    say('error', `The diagram could not be opened: ${error && error.message ? error.message : error}`);
    return null;
  }
}

const LAID_OUT = 'This diagram had no layout, so caseflow has laid it out. Lanes, text annotations and '
  + 'message flows are not drawn (they are kept in the file).';

// ------------------------------------------------------------ read-only view

async function view() {
  const viewer = new NavigatedViewer({ container: '#canvas', additionalModules: [FitViewportModule] });
  window.caseflowModeller = viewer;
  const opened = await importInto(viewer, config.xml);
  if (opened && opened.laidOut) say('info', LAID_OUT);
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
      KeepLoopRefsModule, FitViewportModule,
      { caseflowConfig: ['value', config] },
    ],
  });
  window.caseflowModeller = modeler;
  let base = config.base;
  let dirty = false;
  let busy = false;
  let marked = [];

  const opened = await importInto(modeler, config.xml);
  const warnings = opened ? opened.warnings : [];
  if (opened && opened.laidOut) {
    dirty = true; // the layout is not saved yet
    say('info', `${LAID_OUT} Save a draft to keep the layout.`);
  } else if (warnings.length) {
    say('info', `The diagram opened with ${warnings.length} warning${warnings.length === 1 ? '' : 's'}: `
      + warnings.slice(0, 3).map((w) => w.message.split('\n')[0]).join('; '));
  }
  modeler.on('commandStack.changed', () => { dirty = true; });
  // Leaving with unsaved changes asks first (the browser's own question).
  window.addEventListener('beforeunload', (event) => {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = ''; // older browsers ask only when this is set
  });

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

  /** Deploying is confirmed on its own page (the checks' result and the
   * running instances, then a Deploy button): what it deploys is the saved
   * draft, so the diagram is saved first. */
  async function deploy() {
    if (dirty || !config.draftSaved) {
      if (!(await save())) return;
      config.draftSaved = true;
    }
    window.location.assign(config.urls.deploy);
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

  document.querySelectorAll('button[data-action], a[data-action]').forEach((button) => {
    button.addEventListener('click', (event) => {
      event.preventDefault();
      run(button.dataset.action);
    });
  });
  const fileInput = document.querySelector('input[data-action="open"]');
  if (fileInput) {
    fileInput.addEventListener('change', async () => {
      const file = fileInput.files && fileInput.files[0];
      if (!file) return;
      // eslint-disable-next-line no-alert
      if (dirty && !window.confirm('Open this file in place of the diagram? Your changes are not saved yet.')) {
        fileInput.value = '';
        return;
      }
      const loaded = await importInto(modeler, await file.text());
      fileInput.value = '';
      if (loaded) {
        dirty = true;
        clearProblems();
        say('info', `${file.name} is open.${loaded.laidOut ? ` ${LAID_OUT}` : ''} Save a draft to keep it here.`);
      }
    });
  }
  document.body.dataset.modellerReady = 'true';
}

if (config.mode === 'view') view().then(() => { document.body.dataset.modellerReady = 'true'; });
else edit();
