// Words the API's answers in the page's language: the server hands the editor its catalog sentences as JSON
// (data-texts, built by server/web/pages/view-models/editor-texts.ts) with `{{value}}` places this fills from
// what the API answers as data: problem codes and values, lint rules, the dry run's lines, the diff's changes,
// and refusals by their error code.

var MINUTE = 60000;
var HOUR = 60 * MINUTE;
var DAY = 24 * HOUR;

export function wording(texts) {
  function fill(template, values) {
    return String(template).replace(/\{\{(\w+)\}\}/g, function (whole, name) {
      return values && name in values ? String(values[name]) : whole;
    });
  }

  function lint(rule) {
    var known = texts.lint[rule];
    return known ? known.name + ': ' + known.explanation : rule;
  }

  function problem(p) {
    if (String(p.type).indexOf('lint:') === 0) return lint(p.type.slice(5));
    var template = texts.problems[p.code];
    return template ? fill(template, Object.assign({ id: p.elementId }, p.values || {})) : p.message;
  }

  // A field's problem (`problems.` codes such as fieldNotOption), naming the field; else its field and English.
  function fieldProblem(p) {
    var template = p.code && texts.fieldProblems[p.code];
    return template ? fill(template, p.values || {}) : p.field + ': ' + p.message;
  }

  // As the server's Formatter words a duration (shared/i18n.ts): to the minute, seconds under one, days past 48 h.
  function duration(ms) {
    var units = texts.duration;
    var abs = Math.abs(ms);
    if (abs < MINUTE) return fill(units.seconds, { count: Math.floor(abs / 1000) });
    if (abs < HOUR) return fill(units.minutes, { count: Math.floor(abs / MINUTE) });
    if (abs < 2 * DAY) {
      var hours = Math.floor(abs / HOUR);
      var minutes = Math.floor((abs % HOUR) / MINUTE);
      return minutes ? fill(units.hoursMinutes, { hours: hours, minutes: minutes }) : fill(units.hours, { count: hours });
    }
    var days = Math.floor(abs / DAY);
    var rest = Math.floor((abs % DAY) / HOUR);
    return rest ? fill(units.daysHours, { days: days, hours: rest }) : fill(units.days, { count: days });
  }

  // The virtual clock as the API's English lines show it: language-neutral.
  function stamp(at) {
    return new Date(at)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.000Z$/, 'Z');
  }

  var dry = texts.dryRun;
  var parts = dry.parts;

  function part(name, when, values) {
    return when ? fill(parts[name], values) : '';
  }

  function instance(i) {
    if (!i) return '';
    if (i.count === undefined) return fill(parts.pass, i);
    return i.item === undefined ? fill(parts.instance, i) : fill(parts.instanceItem, { index: i.index, count: i.count, item: JSON.stringify(i.item) });
  }

  function timerKind(kind) {
    return dry.timerKinds[kind] || kind;
  }

  function cause(after) {
    var values = Object.assign({}, after, after.timer ? { kind: timerKind(after.timer), timerId: after.timerId ? ' ' + after.timerId : '' } : {});
    return fill(dry.causes[after.kind] || after.kind, values);
  }

  function refusal(line) {
    var template = dry.refusals[line.error];
    if (!template) return texts.errors[line.error] || line.message;
    return fill(template, {
      event: line.event || '',
      allowed: (line.allowed || []).join(', ') || parts.none,
      maximum: line.maximum,
      problems: line.problems.map(fieldProblem).join('; '),
    });
  }

  // What each line's sentence names, by its code (server/services/workflows/simulation-lines.ts).
  var VALUES = {
    exited: function (l) {
      return { instance: instance(l.instance), duration: duration(l.durationMs), breached: l.breached ? parts.breached : '' };
    },
    entered: function (l) {
      return {
        instance: instance(l.instance),
        limit: part('limit', l.slaMs, { duration: duration(l.slaMs || 0) }),
        owner: part('owner', l.owner, l),
        calledBy: part('calledBy', l.calledBy, l.calledBy),
      };
    },
    armed: function (l) {
      return { kind: timerKind(l.kind), timerId: l.timerId ? ' ' + l.timerId : '', step: part('timerStep', l.step, l), due: stamp(l.dueAt) };
    },
    cancelled: function (l) {
      return { kind: timerKind(l.kind), timerId: l.timerId ? ' ' + l.timerId : '' };
    },
    reminded: function (l) {
      return { kind: dry.reminderKinds[l.kind] || l.kind, to: part('to', l.to, l), message: l.message !== undefined ? l.message : l.step || '' };
    },
    waiting: function (l) {
      var awaited = l.messages.length || l.signals.length;
      return {
        after: cause(l.after),
        steps: l.steps.join(', '),
        allowed: l.actions.length ? fill(parts.allowed, { actions: l.actions.join(', ') }) : awaited ? parts.noActions : parts.timersOnly,
        messages: part('messages', l.messages.length, { names: l.messages.join(', ') }),
        signals: part('signals', l.signals.length, { names: l.signals.join(', ') }),
      };
    },
    closed: function (l) {
      return { after: cause(l.after) };
    },
    refused: function (l) {
      return { reason: refusal(l) };
    },
  };

  function dryRunLine(line) {
    var own = VALUES[line.code] ? VALUES[line.code](line) : {};
    var values = Object.assign({}, line, line.at === undefined ? {} : { at: stamp(line.at) }, own);
    return fill(dry.lines[line.code] || line.code, values);
  }

  // ---- the diff: a property's name and its values (server/services/workflows/workflow-diff.ts `ChangeValue`) ----
  var diff = texts.diff;

  function changeValue(value, property) {
    switch (value.kind) {
      case 'none':
        return '—';
      case 'duration':
        return duration(value.ms);
      case 'levels':
        return Object.keys(value.ms)
          .map(function (level) {
            return fill(diff.level, { level: level, duration: duration(value.ms[level]) });
          })
          .join(diff.separator);
      case 'flag':
        return value.value ? diff.yes : diff.no;
      case 'list':
        return value.items
          .map(function (item) {
            return property === 'channels' ? texts.channels[item] || item : item;
          })
          .join(diff.separator);
      default:
        return value.text;
    }
  }

  function change(c) {
    return fill(diff.change, {
      property: diff.properties[c.property] || c.property,
      before: changeValue(c.values.before, c.property),
      after: changeValue(c.values.after, c.property),
    });
  }

  // ---- refusals: by the error's code (the API's `{error: {code, message, details}}`), never its English ----
  function failure(error) {
    var details = error && error.details;
    if (error && error.code === 'forbidden' && details && details.reason === 'csrf') return texts.errors.csrf + ' ' + texts.errorDetails.csrf;
    var title = (error && texts.errors[error.code]) || texts.errors.internal;
    if (details && details.limit !== undefined) return title + ' ' + fill(texts.errorDetails.limit, details);
    if (Array.isArray(details) && details.length && details[0].field !== undefined) return title + ' ' + details.map(fieldProblem).join('; ');
    return title;
  }

  // The condition check's answer (POST /api/workflows/conditions/check): the import's sentence for its code, and where.
  function conditionProblem(answer) {
    var at = answer.values && answer.values.at;
    var said = problem({ code: answer.code, message: answer.error, type: '', elementId: '', values: answer.values });
    return said + (at ? fill(texts.feelAt, { at: at }) : '');
  }

  return {
    fill: fill,
    lint: lint,
    problem: problem,
    fieldProblem: fieldProblem,
    duration: duration,
    dryRunLine: dryRunLine,
    change: change,
    failure: failure,
    conditionProblem: conditionProblem,
  };
}
