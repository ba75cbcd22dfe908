/*
 * The Caseflow section of the properties panel: what a diagram needs to run
 * in caseflow.  User tasks: form file, form data key, due time (working days
 * or a date expression), rules and override post.  Lanes: the post.  Script
 * tasks: the script.  Branches: the condition, or the gateway's default.
 * Call activities: the process called.
 *
 * Task properties are spiffworkflow:properties/spiffworkflow:property
 * extension elements.  That namespace is deliberately NOT given a moddle
 * descriptor: moddle drops elements of a described namespace whose type it
 * does not know (spiffworkflow:preScript, instructionsForEndUser, ...), while
 * elements of an undescribed namespace are kept as generic elements and
 * written back exactly as they came.  So this reads and writes them as
 * generic elements, through the command stack (undo works).
 */
import {
  CheckboxEntry, Group, SelectEntry, TextAreaEntry, TextFieldEntry,
  isCheckboxEntryEdited, isSelectEntryEdited, isTextAreaEntryEdited, isTextFieldEntryEdited,
} from '@bpmn-io/properties-panel';
import { h } from '@bpmn-io/properties-panel/preact';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

export const SPIFF = 'http://spiffworkflow.org/bpmn/schema/1.0/core';

// ------------------------------------------------------------ extension properties

function propertiesElement(bo) {
  const ext = bo.get('extensionElements');
  if (!ext) return null;
  return (ext.get('values') || []).find((v) => v.$type === 'spiffworkflow:properties') || null;
}

export function getProperty(bo, name) {
  const props = propertiesElement(bo);
  const prop = props && (props.$children || []).find(
    (c) => c.$type === 'spiffworkflow:property' && c.name === name);
  return prop ? (prop.value == null ? '' : String(prop.value)) : '';
}

function setProperty(element, name, value, services) {
  const { bpmnFactory, moddle, commandStack } = services;
  const bo = getBusinessObject(element);
  const text = value == null ? '' : String(value);
  const commands = [];
  let ext = bo.get('extensionElements');
  if (!ext) {
    if (!text) return;
    ext = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
    ext.$parent = bo;
    commands.push({ cmd: 'element.updateModdleProperties',
      context: { element, moddleElement: bo, properties: { extensionElements: ext } } });
  }
  let props = (ext.get('values') || []).find((v) => v.$type === 'spiffworkflow:properties');
  if (!props) {
    if (!text) return;
    props = moddle.createAny('spiffworkflow:properties', SPIFF, { $children: [] });
    props.$parent = ext;
    commands.push({ cmd: 'element.updateModdleProperties',
      context: { element, moddleElement: ext, properties: { values: [...(ext.get('values') || []), props] } } });
  }
  const children = props.$children || [];
  const existing = children.find((c) => c.$type === 'spiffworkflow:property' && c.name === name);
  if (existing && !text) {
    commands.push({ cmd: 'element.updateModdleProperties',
      context: { element, moddleElement: props, properties: { $children: children.filter((c) => c !== existing) } } });
  } else if (existing) {
    commands.push({ cmd: 'element.updateModdleProperties',
      context: { element, moddleElement: existing, properties: { value: text } } });
  } else if (text) {
    const prop = moddle.createAny('spiffworkflow:property', SPIFF, { name, value: text });
    prop.$parent = props;
    commands.push({ cmd: 'element.updateModdleProperties',
      context: { element, moddleElement: props, properties: { $children: [...children, prop] } } });
  }
  if (commands.length) commandStack.execute('properties-panel.multi-command-executor', commands);
}

function useServices() {
  return {
    bpmnFactory: useService('bpmnFactory'), moddle: useService('moddle'),
    commandStack: useService('commandStack'), modeling: useService('modeling'),
    debounce: useService('debounceInput'), config: useService('caseflowConfig'),
  };
}

// ------------------------------------------------------------ entries

function PropertyText(props) {
  const { element, id, name, label, description, validate, area } = props;
  const services = useServices();
  const common = {
    element, id, label, description, validate, debounce: services.debounce,
    getValue: () => getProperty(getBusinessObject(element), name),
    setValue: (value) => setProperty(element, name, value, services),
  };
  return area ? h(TextAreaEntry, { ...common, rows: 3, monospace: area !== 'words', autoResize: true })
    : h(TextFieldEntry, common);
}

function FormSelect(props) {
  const { element, id } = props;
  const services = useServices();
  const getValue = () => getProperty(getBusinessObject(element), 'formJsonSchemaFilename');
  const getOptions = () => {
    const current = getValue();
    const names = services.config.forms || [];
    const options = [{ value: '', label: '(no form)' }, ...names.map((n) => ({ value: n, label: n }))];
    if (current && !names.includes(current)) options.push({ value: current, label: `${current} (no such file)` });
    return options;
  };
  return h(SelectEntry, {
    element, id, label: 'Form', getValue, getOptions,
    description: 'The JSON Schema form the person fills in.',
    setValue: (value) => setProperty(element, 'formJsonSchemaFilename', value, services),
  });
}

function LanePost(props) {
  const { element, id } = props;
  const { config, modeling } = useServices();
  const getValue = () => getBusinessObject(element).name || '';
  const getOptions = () => {
    const current = getValue();
    const posts = config.posts || [];
    const options = [{ value: '', label: '(choose a post)' }, ...posts.map((p) => ({ value: p, label: p }))];
    if (current && !posts.includes(current)) options.push({ value: current, label: `${current} (not a post)` });
    return options;
  };
  return h(SelectEntry, {
    element, id, label: 'Post', getValue, getOptions,
    description: 'Tasks in this lane are for this post (the lane is named after it).',
    setValue: (value) => modeling.updateProperties(element, { name: value || undefined }),
  });
}

function ScriptText(props) {
  const { element, id } = props;
  const { modeling, debounce } = useServices();
  const bo = getBusinessObject(element);
  return h(TextAreaEntry, {
    element, id, label: 'Script (Python)', debounce, rows: 6, monospace: true, autoResize: true,
    description: 'Runs in the sandbox with the process data.',
    getValue: () => bo.get('script') || '',
    setValue: (value) => modeling.updateProperties(element, {
      script: value || undefined, scriptFormat: bo.get('scriptFormat') || 'python' }),
  });
}

function ConditionText(props) {
  const { element, id } = props;
  const { modeling, bpmnFactory, commandStack, debounce } = useServices();
  const bo = getBusinessObject(element);
  return h(TextAreaEntry, {
    element, id, label: 'Condition (Python expression)', debounce, rows: 2, monospace: true, autoResize: true,
    description: 'This branch is taken when the expression is true.',
    getValue: () => (bo.get('conditionExpression') ? bo.get('conditionExpression').get('body') || '' : ''),
    setValue: (value) => {
      const existing = bo.get('conditionExpression');
      if (!value || !value.trim()) {
        modeling.updateProperties(element, { conditionExpression: undefined });
      } else if (existing) {
        commandStack.execute('element.updateModdleProperties',
          { element, moddleElement: existing, properties: { body: value } });
      } else {
        modeling.updateProperties(element, {
          conditionExpression: bpmnFactory.create('bpmn:FormalExpression', { body: value }) });
      }
    },
  });
}

function DefaultBranch(props) {
  const { element, id } = props;
  const { modeling } = useServices();
  const source = element.source;
  return h(CheckboxEntry, {
    element, id, label: 'Default branch of the gateway',
    description: 'Taken when no other branch\u2019s condition is true.',
    getValue: () => !!source && getBusinessObject(source).get('default') === getBusinessObject(element),
    setValue: (checked) => modeling.updateProperties(source, {
      default: checked ? getBusinessObject(element) : undefined }),
  });
}

function CalledProcess(props) {
  const { element, id } = props;
  const { config, modeling } = useServices();
  const getValue = () => getBusinessObject(element).get('calledElement') || '';
  return h(SelectEntry, {
    element, id, label: 'Process called', getValue,
    getOptions: () => {
      const current = getValue();
      const known = config.processes || [];
      const options = [{ value: '', label: '(choose a process)' }, ...known.map((p) => ({ value: p, label: p }))];
      if (current && !known.includes(current)) options.push({ value: current, label: `${current} (not deployed)` });
      return options;
    },
    setValue: (value) => modeling.updateProperties(element, { calledElement: value || undefined }),
  });
}

function wholeNumber(value) {
  return value && !/^\d+$/.test(value.trim()) ? 'Enter a whole number of working days, such as 5.' : null;
}

function entries(element) {
  const bo = getBusinessObject(element);
  const out = [];
  if (is(element, 'bpmn:UserTask') || is(element, 'bpmn:ManualTask')) {
    out.push({ id: 'caseflow-form', element, component: FormSelect, isEdited: isSelectEntryEdited });
    // one stable component for every text property: a new one per render
    // would remount the input (and lose its focus) at each change
    const text = (id, name, label, description, extra = {}) => out.push({
      id, element, name, label, description, ...extra, component: PropertyText,
      isEdited: extra.area ? isTextAreaEntryEdited : isTextFieldEntryEdited });
    text('caseflow-form-data-key', 'formDataKey', 'Form data key',
      'The answers are kept under this name in the process data (empty: at the top level).');
    text('caseflow-due-working-days', 'dueWorkingDays', 'Due in working days',
      'Working days from when the task appears (England and Wales bank holidays excluded).',
      { validate: wholeNumber });
    text('caseflow-due-date', 'dueDate', 'Due date (Python expression)',
      'An expression giving the due date and time, such as review_due.', { area: true });
    text('caseflow-rules', 'rules', 'Rules (Python expression)',
      'A function of the answers returning the rules they break.', { area: true });
    text('caseflow-override-post', 'overridePost', 'Override post',
      'The post that may override the rules with a reason.');
    text('caseflow-notify-unit', 'notifyUnit', 'Tell the unit of this decision',
      "The answer whose words the case's unit is told (for example outcome); empty: the unit is not told.");
  }
  if (is(element, 'bpmn:Lane')) {
    out.push({ id: 'caseflow-post', element, component: LanePost, isEdited: isSelectEntryEdited });
  }
  if (is(element, 'bpmn:ScriptTask')) {
    out.push({ id: 'caseflow-script', element, component: ScriptText, isEdited: isTextAreaEntryEdited });
  }
  if (is(element, 'bpmn:SequenceFlow')) {
    const source = element.source && getBusinessObject(element.source);
    const fromChoice = source && (is(source, 'bpmn:ExclusiveGateway') || is(source, 'bpmn:InclusiveGateway'));
    if (fromChoice || bo.get('conditionExpression')) {
      out.push({ id: 'caseflow-condition', element, component: ConditionText, isEdited: isTextAreaEntryEdited });
    }
    if (fromChoice) {
      out.push({ id: 'caseflow-default', element, component: DefaultBranch, isEdited: isCheckboxEntryEdited });
    }
  }
  if (is(element, 'bpmn:CallActivity')) {
    out.push({ id: 'caseflow-called', element, component: CalledProcess, isEdited: isSelectEntryEdited });
  }
  if (is(element, 'bpmn:FlowNode') && !is(element, 'bpmn:SequenceFlow')) {
    // the "How this works" page and the family's letter prefer this to the step's name
    out.push({ id: 'caseflow-family-text', element, name: 'familyText', label: 'For the family (plain English)',
      description: 'One or two short sentences a child or parent can read: what happens at this step and why.',
      area: 'words', component: PropertyText, isEdited: isTextAreaEntryEdited });
  }
  return out;
}

class CaseflowPropertiesProvider {
  constructor(propertiesPanel) {
    propertiesPanel.registerProvider(500, this);
  }

  getGroups(element) {
    return (groups) => {
      const list = entries(element);
      if (!list.length) return groups;
      const group = { id: 'caseflow', label: 'Caseflow', component: Group, entries: list };
      const general = groups.findIndex((g) => g.id === 'general');
      groups.splice(general + 1, 0, group);
      return groups;
    };
  }
}
CaseflowPropertiesProvider.$inject = ['propertiesPanel'];

export default {
  __init__: ['caseflowPropertiesProvider'],
  caseflowPropertiesProvider: ['type', CaseflowPropertiesProvider],
};
