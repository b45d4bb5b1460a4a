// The workflow editor: bpmn-js's modeler (served from /vendor/bpmn-js/) with SOPflow's own side panel for the
// SOP properties of the selected element (editor/panel.js), written into the BPMN as `sop:` extension elements
// (the moddle descriptor the server's importer reads). Drafts are saved on the server with the revision they
// were based on; a stale save is refused there (409) and said here. Nothing runs inline: the CSP forbids it.
import { extension, sidePanel } from './editor/panel.js';
import { wording } from './editor/wording.js';

var editorRoot = document.querySelector('[data-editor]');
if (editorRoot && typeof window.BpmnJS === 'function') editor(editorRoot);

function editor(root) {
  var api = root.getAttribute('data-api');
  var csrf = root.getAttribute('data-csrf');
  var panel = root.querySelector('.panel');
  var status = document.querySelector('[data-testid=editor-status]');
  var report = document.querySelector('[data-testid=editor-report]');
  var state = { revision: 0, saved: false, dirty: false, selected: null, filling: false };
  var modeler;
  var form;

  function msg(name, values) {
    var text = root.getAttribute('data-msg-' + name) || name;
    Object.keys(values || {}).forEach(function (key) {
      text = text.split('{{' + key + '}}').join(String(values[key]));
    });
    return text;
  }

  // The server's catalog sentences (data-texts), to word the API's answers in the page's language.
  var words = wording(JSON.parse(root.getAttribute('data-texts')));

  // `detail`: the API's or the browser's English, on hover only.
  function say(text, kind, detail) {
    status.textContent = text;
    status.className = 'editor-status' + (kind ? ' ' + kind : '');
    status.title = detail || '';
  }

  function call(method, path, body) {
    var headers = { accept: 'application/json' };
    if (method !== 'GET') headers['x-csrf-token'] = csrf;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(api + path, {
      method: method,
      credentials: 'same-origin',
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(
      function (response) {
        return response.json().then(
          function (json) {
            return { status: response.status, body: json };
          },
          // Not the API's JSON (a proxy's error page, say): answered as its status's failure.
          function () {
            return { status: response.status, body: { error: { code: response.status >= 500 ? 'internal' : 'bad_request', message: response.statusText } } };
          },
        );
      },
      function (cause) {
        throw unreachable(cause);
      },
    );
  }

  // A request that never reached the server: said as such, not as the browser's English.
  function unreachable(cause) {
    var error = new Error(cause && cause.message);
    error.network = true;
    return error;
  }
  function changed() {
    state.dirty = true;
    say(msg('unsaved'));
  }

  // ---- save, check, publish ----
  function save() {
    return modeler.saveXML({ format: true }).then(function (result) {
      return call('PUT', '/draft', { bpmn: result.xml, baseRevision: state.revision }).then(function (answer) {
        if (answer.status === 200) {
          state.revision = answer.body.revision;
          state.saved = true;
          state.dirty = false;
          say(msg('saved', { revision: state.revision }), 'ok');
          return true;
        }
        var details = answer.body.error && answer.body.error.details;
        // Nobody to name: the draft was published or discarded, or a newer version came, since this page opened.
        if (answer.status === 409) say(details.updatedBy ? msg('stale', { revision: details.revision, by: details.updatedBy }) : msg('gone'), 'error');
        else showProblems(answer.body.error);
        return false;
      });
    });
  }

  function saveIfNeeded() {
    return state.dirty || !state.saved ? save() : Promise.resolve(true);
  }

  function clearMarkers() {
    var canvas = modeler.get('canvas');
    modeler.get('elementRegistry').forEach(function (element) {
      canvas.removeMarker(element, 'diff-added');
      canvas.removeMarker(element, 'diff-changed');
    });
  }

  function item(list, className, content) {
    var li = document.createElement('li');
    if (className) li.className = className;
    li.textContent = content;
    list.appendChild(li);
    return li;
  }

  function showReport(problems, lint, diff) {
    report.hidden = false;
    var problemList = report.querySelector('[data-problems]');
    var diffList = report.querySelector('[data-diff]');
    problemList.textContent = '';
    diffList.textContent = '';
    (problems || []).forEach(function (p) {
      var li = item(problemList, 'error', p.elementId + ': ' + words.problem(p));
      li.setAttribute('data-code', p.code);
      li.title = p.message;
    });
    (lint || [])
      .filter(function (l) {
        return l.severity === 'warning';
      })
      .forEach(function (l) {
        var li = item(problemList, 'warning', l.elementId + ': ' + words.lint(l.rule));
        li.setAttribute('data-rule', l.rule);
        li.title = l.message;
      });
    clearMarkers();
    if (!diff) return;
    var canvas = modeler.get('canvas');
    var registry = modeler.get('elementRegistry');
    var mark = function (id, marker) {
      if (registry.get(id)) canvas.addMarker(id, marker);
    };
    diff.added.forEach(function (e) {
      item(diffList, 'added', msg('added') + ': ' + (e.name || e.id) + ' (' + e.id + ')');
      mark(e.id, 'diff-added');
    });
    diff.removed.forEach(function (e) {
      item(diffList, 'removed', msg('removed') + ': ' + (e.name || e.id) + ' (' + e.id + ')');
    });
    diff.changed.forEach(function (e) {
      var li = item(diffList, 'changed', msg('changed') + ': ' + (e.name || e.id) + ' (' + e.id + ')');
      var sub = document.createElement('ul');
      e.changes.forEach(function (c) {
        item(sub, '', words.change(c)).setAttribute('data-property', c.property);
      });
      li.appendChild(sub);
      mark(e.id, 'diff-changed');
    });
    if (!diff.added.length && !diff.removed.length && !diff.changed.length) item(diffList, '', msg('nochange'));
  }

  // A refusal that lists BPMN problems is said by the list, each in the page's language; others by their error code.
  function showProblems(error) {
    var listed = !!error && error.code === 'invalid_bpmn' && Array.isArray(error.details);
    say(listed ? msg('refused') : msg('refused') + ' ' + words.failure(error), 'error', error && error.message);
    if (listed) showReport(error.details, [], null);
  }

  function check() {
    return saveIfNeeded().then(function (ok) {
      if (!ok) return;
      return call('POST', '/draft/check').then(function (answer) {
        if (answer.status !== 200) return showProblems(answer.body.error);
        showReport(answer.body.problems, answer.body.lint, answer.body.diff);
        say(msg('checked', { problems: answer.body.problems.length }), answer.body.publishable ? 'ok' : 'error');
      });
    });
  }

  function publish() {
    return saveIfNeeded().then(function (ok) {
      if (!ok) return;
      return call('POST', '/draft/publish', { revision: state.revision }).then(function (answer) {
        if (answer.status !== 201)
          return answer.status === 409 ? say(publishConflict(answer.body.error.details || {}), 'error') : showProblems(answer.body.error);
        showReport([], answer.body.lint, answer.body.diff);
        state.saved = false;
        state.revision = answer.body.draftRevision;
        say(msg('published', { version: answer.body.version }), 'ok');
        var link = document.createElement('a');
        link.href = root.getAttribute('data-library') + '?version=' + answer.body.version;
        link.textContent = msg('view', { version: answer.body.version });
        link.setAttribute('data-testid', 'published-link');
        status.appendChild(document.createTextNode(' '));
        status.appendChild(link);
      });
    });
  }

  function publishConflict(details) {
    if (details.latestVersion) return msg('outdated', { based: details.basedOnVersion, latest: details.latestVersion });
    if (details.version) return msg('identical', { version: details.version });
    return msg('moved');
  }

  // Drops the saved draft and loads the latest version in its place.
  function discard() {
    return call('POST', '/draft/discard', { revision: state.revision }).then(function (answer) {
      if (answer.status !== 200) return answer.status === 409 ? say(msg('discard-moved'), 'error') : showProblems(answer.body.error);
      return load(answer.body).then(function () {
        say(msg('discarded', { version: answer.body.basedOnVersion }), 'ok');
      });
    });
  }

  function load(draft) {
    state.revision = draft.revision;
    state.saved = draft.saved;
    state.dirty = false;
    return modeler.importXML(draft.bpmn);
  }

  // What no answer explains: a refused start, the server out of reach, or the editor's own failure (its English on hover).
  function fail(error) {
    if (error && error.answered) return showProblems(error.answered);
    say(msg(error && error.network ? 'network' : 'unexpected'), 'error', error && error.message ? error.message : String(error));
  }

  // ---- start ----
  fetch(root.getAttribute('data-moddle-url'), { credentials: 'same-origin' })
    .then(
      function (response) {
        return response.json();
      },
      function (cause) {
        throw unreachable(cause);
      },
    )
    .then(function (descriptor) {
      modeler = new window.BpmnJS({ container: root.querySelector('.canvas'), moddleExtensions: { sop: descriptor } });
      form = sidePanel(panel, modeler, state, { msg: msg, words: words, csrf: csrf, onChange: changed });
      return call('GET', '/draft');
    })
    .then(function (answer) {
      if (answer.status !== 200) {
        var refused = new Error(answer.body.error.message);
        refused.answered = answer.body.error;
        throw refused;
      }
      return load(answer.body);
    })
    .then(function () {
      modeler.get('canvas').zoom('fit-viewport');
      var owners = {};
      modeler.get('elementRegistry').forEach(function (element) {
        var step = element.businessObject && extension(element.businessObject, 'sop:Step');
        if (step && step.owner) owners[step.owner] = true;
        if (element.type === 'bpmn:Lane' && element.businessObject.name) owners[element.businessObject.name] = true;
      });
      var datalist = document.getElementById('p-owners');
      Object.keys(owners)
        .sort()
        .forEach(function (owner) {
          var option = document.createElement('option');
          option.value = owner;
          datalist.appendChild(option);
        });
      modeler.on('selection.changed', function (event) {
        form.fill(event.newSelection.length === 1 ? event.newSelection[0] : null);
      });
      modeler.on('commandStack.changed', function () {
        if (!state.filling) state.dirty = true;
      });
      form.fill(null);
      root.setAttribute('data-ready', 'true');
      say(msg('loaded', { revision: state.revision }));
    })
    .catch(fail);

  // A dry run refused whole: the draft's BPMN problems, each in the page's language, or the refusal by its code.
  function dryRunRefused(out, error) {
    var listed = error.code === 'invalid_bpmn' && Array.isArray(error.details);
    var why = listed
      ? error.details
          .map(function (p) {
            return p.elementId + ': ' + words.problem(p);
          })
          .join('\n')
      : words.failure(error);
    out.textContent = msg('refused') + ' ' + why;
    out.title = error.message;
  }

  // Dry run: the saved draft walked on a virtual clock by the server (nothing is written).
  var dry = document.querySelector('[data-dry-run]');
  dry.addEventListener('submit', function (event) {
    event.preventDefault();
    var out = document.querySelector('[data-testid=dry-run]');
    saveIfNeeded()
      .then(function (ok) {
        if (!ok) return;
        return call('POST', '/draft/dry-run', { path: dry.elements.namedItem('path').value, vip: dry.elements.namedItem('vip').checked }).then(
          function (answer) {
            out.hidden = false;
            out.textContent = '';
            out.title = '';
            if (answer.status !== 200) return dryRunRefused(out, answer.body.error);
            // Each line worded from its code and values; the code stays on it for whoever needs it.
            answer.body.entries.forEach(function (entry) {
              var line = document.createElement('span');
              line.setAttribute('data-code', entry.code);
              line.textContent = words.dryRunLine(entry) + '\n';
              out.appendChild(line);
            });
          },
        );
      })
      .catch(fail);
  });
  document.querySelector('.editor-bar').addEventListener('click', function (event) {
    var action = event.target.getAttribute('data-action');
    var run = { save: save, check: check, publish: publish, discard: discard }[action];
    if (run) run().catch(fail);
  });
}
