// The workflow editor's side panel: the SOP properties of the selected element (a step's owner, limits,
// guidance, checklist and fields; a timer; a flow's event and condition; the process's own terms), read from
// and written into the BPMN as `sop:` extension elements through bpmn-js's modeling, so each change is undoable
// and marks the diagram changed.

/** The element types the panel edits as steps (the importer's steps). */
var STEP_TYPES = [
  'bpmn:Task',
  'bpmn:UserTask',
  'bpmn:ManualTask',
  'bpmn:ReceiveTask',
  'bpmn:ServiceTask',
  'bpmn:ScriptTask',
  'bpmn:SendTask',
  'bpmn:BusinessRuleTask',
  'bpmn:SubProcess',
  'bpmn:IntermediateCatchEvent',
  'bpmn:EventBasedGateway',
];

/** The `sop:` extension element of `type` on a business object, or null. */
export function extension(bo, type) {
  var values = (bo.extensionElements && bo.extensionElements.values) || [];
  for (var i = 0; i < values.length; i += 1) if (values[i].$type === type) return values[i];
  return null;
}

function text(value) {
  return value === undefined || value === null ? '' : String(value);
}

function kindOf(element) {
  var bo = element.businessObject;
  if (processOf(element)) return 'process';
  if (element.type === 'bpmn:SequenceFlow') return 'flow';
  if ((element.type === 'bpmn:BoundaryEvent' || element.type === 'bpmn:StartEvent' || element.type === 'bpmn:IntermediateCatchEvent') && timerDefinition(bo))
    return 'timer';
  if (STEP_TYPES.indexOf(element.type) !== -1) return 'step';
  return 'other';
}

// The process whose SOP terms the panel edits for the diagram's root or a pool: the executable one of a
// collaboration, as the importer picks it (else the first with steps).
function processOf(element) {
  var bo = element.businessObject;
  if (element.type === 'bpmn:Process') return bo;
  if (element.type === 'bpmn:Participant') return bo.processRef || null;
  if (element.type !== 'bpmn:Collaboration') return null;
  var processes = (bo.participants || [])
    .map(function (participant) {
      return participant.processRef;
    })
    .filter(Boolean);
  return (
    processes.filter(function (p) {
      return p.isExecutable;
    })[0] ||
    processes.filter(function (p) {
      return (p.flowElements || []).length;
    })[0] ||
    processes[0] ||
    null
  );
}

function timerDefinition(bo) {
  return (bo.eventDefinitions || []).filter(function (d) {
    return d.$type === 'bpmn:TimerEventDefinition';
  })[0];
}

/**
 * Wires the panel form to `modeler`: `fill(element)` shows an element (null: the process); the panel's own
 * inputs write back into the diagram and call `onChange`. `state` is the editor's: the panel keeps the
 * selected element there and sets `filling` while it fills the form, so that filling is not taken for an edit.
 */
export function sidePanel(panel, modeler, state, context) {
  var msg = context.msg;
  var words = context.words;
  var csrf = context.csrf;
  var onChange = context.onChange;

  // ---- reading and writing the `sop:` extension elements of a business object ----
  function withExtension(bo, type, replacement) {
    var moddle = modeler.get('moddle');
    var others = ((bo.extensionElements && bo.extensionElements.values) || []).filter(function (v) {
      return v.$type !== type;
    });
    if (replacement) others.push(replacement);
    return others.length ? moddle.create('bpmn:ExtensionElements', { values: others }) : undefined;
  }

  function field(name) {
    return panel.elements.namedItem(name);
  }

  function show(kind) {
    panel.querySelectorAll('[data-show]').forEach(function (section) {
      var which = section.getAttribute('data-show');
      section.hidden = !(which === kind || (which === 'any' && kind !== 'process'));
    });
  }

  // ---- the panel shows the selected element ----
  function fill(element) {
    // A flow's or event's label stands for its element.
    if (element && element.labelTarget) element = element.labelTarget;
    // Nothing selected: the panel edits the whole process (its limits, calendars and channels).
    if (!element) element = modeler.get('canvas').getRootElement();
    state.selected = element;
    state.filling = true;
    try {
      var bo = element.businessObject;
      var kind = kindOf(element);
      show(kind);
      if (kind === 'process') {
        fillProcess(processOf(element));
        return;
      }
      panel.querySelector('[data-bind=id]').textContent = bo.id;
      panel.querySelector('[data-bind=type]').textContent = element.type.replace('bpmn:', '');
      field('name').value = text(bo.name);
      if (kind === 'step') fillStep(bo);
      if (kind === 'timer') fillTimer(bo);
      if (kind === 'flow') fillFlow(bo);
    } finally {
      state.filling = false;
    }
  }

  var PROCESS_TERMS = ['sla', 'vipSla', 'levelSla', 'calendar', 'vipCalendar', 'channels'];

  function fillProcess(process) {
    var terms = (process && extension(process, 'sop:Process')) || {};
    panel.querySelector('[data-bind=process-id]').textContent = process ? process.id : '';
    PROCESS_TERMS.forEach(function (key) {
      field('process-' + key).value = text(terms[key]);
    });
  }

  function applyProcess(element, modeling, moddle) {
    var process = processOf(element);
    if (!process) return;
    var attrs = {};
    PROCESS_TERMS.forEach(function (key) {
      var value = field('process-' + key).value.trim();
      if (key === 'channels')
        value = value
          .split(/[,，\s]+/)
          .filter(Boolean)
          .join(',');
      if (value) attrs[key] = value;
    });
    var terms = Object.keys(attrs).length ? moddle.create('sop:Process', attrs) : null;
    modeling.updateModdleProperties(element, process, { extensionElements: withExtension(process, 'sop:Process', terms) });
  }

  function fillStep(bo) {
    var step = extension(bo, 'sop:Step') || {};
    field('owner').value = text(step.owner);
    field('sla').value = text(step.sla);
    field('vipSla').value = text(step.vipSla);
    field('warnAt').value = text(step.warnAt);
    field('calendar').value = text(step.calendar);
    field('waitingOnCustomer').checked = step.waitingOnCustomer === true;
    field('guidance').value = (bo.documentation || [])
      .map(function (d) {
        return text(d.text);
      })
      .join('\n\n');
    field('checklist').value = (step.items || [])
      .map(function (item) {
        return text(item.text);
      })
      .join('\n');
    var list = panel.querySelector('[data-fields]');
    list.textContent = '';
    (step.fields || []).forEach(function (f) {
      addFieldRow(f);
    });
  }

  function addFieldRow(f) {
    var template = panel.querySelector('[data-field-template]');
    var row = template.content.firstElementChild.cloneNode(true);
    f = f || {};
    row.querySelector('[name=f-name]').value = text(f.name);
    row.querySelector('[name=f-label]').value = text(f.label);
    row.querySelector('[name=f-type]').value = f.type || 'string';
    row.querySelector('[name=f-required]').checked = f.required === true;
    row.querySelector('[name=f-options]').value = text(f.options);
    row.querySelector('[name=f-min]').value = text(f.min);
    row.querySelector('[name=f-max]').value = text(f.max);
    panel.querySelector('[data-fields]').appendChild(row);
    return row;
  }

  function fillTimer(bo) {
    var definition = timerDefinition(bo);
    var type =
      ['timeDuration', 'timeCycle', 'timeDate'].filter(function (t) {
        return definition[t];
      })[0] || 'timeDuration';
    field('timerType').value = type;
    field('timerValue').value = definition[type] ? text(definition[type].body) : '';
    field('interrupting').checked = bo.$type === 'bpmn:BoundaryEvent' ? bo.cancelActivity !== false : bo.isInterrupting !== false;
    var reminder = extension(bo, 'sop:Reminder') || {};
    field('remindTo').value = text(reminder.to);
    field('remindMessage').value = text(reminder.message);
  }

  function fillFlow(bo) {
    field('event').value = text(bo.get('sop:event'));
    field('condition').value = bo.conditionExpression ? text(bo.conditionExpression.body) : '';
    checkCondition();
  }

  // ---- the panel writes back into the BPMN (through modeling: undoable, and the diagram knows it changed) ----
  function apply() {
    var element = state.selected;
    if (state.filling || !element) return;
    var modeling = modeler.get('modeling');
    var moddle = modeler.get('moddle');
    var bo = element.businessObject;
    var kind = kindOf(element);
    if (kind === 'process') {
      applyProcess(element, modeling, moddle);
      onChange();
      return;
    }
    var name = field('name').value.trim();
    if (name !== text(bo.name)) modeling.updateProperties(element, { name: name || undefined });
    if (kind === 'step') {
      var attrs = {};
      ['owner', 'sla', 'vipSla', 'calendar'].forEach(function (key) {
        var value = field(key).value.trim();
        if (value) attrs[key] = value;
      });
      var warnAt = field('warnAt').value.trim();
      if (warnAt !== '' && !isNaN(Number(warnAt))) attrs.warnAt = Number(warnAt);
      attrs.waitingOnCustomer = field('waitingOnCustomer').checked;
      attrs.items = field('checklist')
        .value.split('\n')
        .map(function (line) {
          return line.trim();
        })
        .filter(Boolean)
        .map(function (line) {
          return moddle.create('sop:Item', { text: line });
        });
      attrs.fields = Array.prototype.map
        .call(panel.querySelectorAll('[data-fields] .field-row'), function (row) {
          var f = {
            name: row.querySelector('[name=f-name]').value.trim(),
            type: row.querySelector('[name=f-type]').value,
            required: row.querySelector('[name=f-required]').checked,
          };
          var label = row.querySelector('[name=f-label]').value.trim();
          var options = row.querySelector('[name=f-options]').value.trim();
          var min = row.querySelector('[name=f-min]').value;
          var max = row.querySelector('[name=f-max]').value;
          if (label) f.label = label;
          if (options) f.options = options;
          if (min !== '') f.min = Number(min);
          if (max !== '') f.max = Number(max);
          return f;
        })
        .filter(function (f) {
          return f.name;
        })
        .map(function (f) {
          return moddle.create('sop:Field', f);
        });
      var guidance = field('guidance').value.trim();
      modeling.updateProperties(element, {
        extensionElements: withExtension(bo, 'sop:Step', moddle.create('sop:Step', attrs)),
        documentation: guidance ? [moddle.create('bpmn:Documentation', { text: guidance })] : [],
      });
    }
    if (kind === 'timer') applyTimer(element, bo, modeling, moddle);
    if (kind === 'flow') {
      var event = field('event').value.trim();
      var condition = field('condition').value.trim();
      var props = { 'sop:event': event || undefined };
      props.conditionExpression = condition ? moddle.create('bpmn:FormalExpression', { body: condition }) : undefined;
      modeling.updateProperties(element, props);
    }
    onChange();
  }

  function applyTimer(element, bo, modeling, moddle) {
    var definition = timerDefinition(bo);
    var type = field('timerType').value;
    var value = field('timerValue').value.trim();
    var timer = { timeDuration: undefined, timeCycle: undefined, timeDate: undefined };
    if (value) timer[type] = moddle.create('bpmn:FormalExpression', { body: value });
    modeling.updateModdleProperties(element, definition, timer);
    var to = field('remindTo').value.trim();
    var message = field('remindMessage').value.trim();
    var reminder = to || message ? moddle.create('sop:Reminder', { to: to || undefined, message: message || undefined }) : null;
    var props = { extensionElements: withExtension(bo, 'sop:Reminder', reminder) };
    var interrupting = field('interrupting').checked;
    if (bo.$type === 'bpmn:BoundaryEvent') props.cancelActivity = interrupting;
    else if (bo.$type === 'bpmn:StartEvent') props.isInterrupting = interrupting;
    modeling.updateProperties(element, props);
  }

  // ---- FEEL syntax, checked by the server's parser as the manager types ----
  var feelTimer;
  function checkCondition() {
    var out = panel.querySelector('[data-feel]');
    var expression = field('condition').value.trim();
    clearTimeout(feelTimer);
    if (!expression) {
      out.textContent = '';
      return;
    }
    feelTimer = setTimeout(function () {
      fetch('/api/workflows/conditions/check', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify({ expression: expression }),
      })
        .then(function (response) {
          return response.json();
        })
        .then(function (answer) {
          if (field('condition').value.trim() !== expression) return;
          out.className = answer.ok ? 'feel-ok' : 'feel-error';
          // A verdict names the import's problem by its code (the English on hover); a refused check (an expired form, say) its error.
          var verdict = typeof answer.error === 'string';
          out.textContent = answer.ok ? msg('feel-ok') : verdict ? words.conditionProblem(answer) : words.failure(answer.error);
          out.title = verdict ? answer.error : '';
        })
        .catch(function () {
          if (field('condition').value.trim() !== expression) return;
          out.className = 'feel-error';
          out.textContent = msg('network');
          out.title = '';
        });
    }, 250);
  }

  panel.addEventListener('change', function (event) {
    if (event.target.name !== 'condition') apply();
  });
  panel.addEventListener('input', function (event) {
    if (event.target.name === 'condition') checkCondition();
  });
  // A condition is applied when the manager leaves the field (change), after its syntax was checked on input.
  panel.addEventListener('focusout', function (event) {
    if (event.target.name === 'condition') apply();
  });
  panel.addEventListener('click', function (event) {
    var action = event.target.getAttribute('data-action');
    if (action === 'add-field') {
      addFieldRow().querySelector('[name=f-name]').focus();
    } else if (action === 'remove-field') {
      event.target.closest('.field-row').remove();
      apply();
    }
  });
  panel.addEventListener('submit', function (event) {
    event.preventDefault();
  });

  return { fill: fill };
}
