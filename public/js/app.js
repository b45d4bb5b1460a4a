// SOPflow pages: small progressive enhancements. Everything works without them; the CSP allows no inline script.
(function () {
  'use strict';

  /** "1:05:09" / "4:59": language-neutral; the words around it come from the page (data-label-*). */
  function clock(ms) {
    var total = Math.floor(Math.abs(ms) / 1000);
    var h = Math.floor(total / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = total % 60;
    var mm = (h > 0 && m < 10 ? '0' : '') + m;
    return (h > 0 ? h + ':' : '') + mm + ':' + (s < 10 ? '0' : '') + s;
  }

  // Countdowns to a step's limit. The server says how much time was left when it rendered the page; the
  // browser counts from there on its own monotonic clock, so a wrong computer clock does not matter.
  function startCountdowns() {
    var nodes = document.querySelectorAll('[data-remaining-ms]');
    if (!nodes.length) return;
    var loaded = performance.now();
    function tick() {
      var elapsed = performance.now() - loaded;
      nodes.forEach(function (node) {
        var left = Number(node.getAttribute('data-remaining-ms')) - elapsed;
        var label = node.getAttribute(left > 0 ? 'data-label-left' : 'data-label-over') || '{{time}}';
        var text = node.querySelector('.countdown-text');
        if (text) text.textContent = label.replace('{{time}}', clock(left));
        node.classList.toggle('over', left <= 0);
      });
    }
    tick();
    setInterval(tick, 1000);
  }

  // Intake: select the workflow the server suggests for the chosen channel (each option lists the channels
  // it is the suggestion for), until the agent picks a workflow themselves.
  function suggestWorkflow() {
    var form = document.querySelector('form[data-intake]');
    if (!form) return;
    var channel = form.querySelector('select[name="channel"]');
    var workflow = form.querySelector('select[name="workflow"]');
    if (!channel || !workflow) return;
    var pickedByHand = false;
    workflow.addEventListener('change', function () {
      pickedByHand = true;
    });
    channel.addEventListener('change', function () {
      if (pickedByHand) return;
      var suggested = Array.prototype.slice.call(workflow.options).filter(function (option) {
        return (option.getAttribute('data-suggested-for') || '').split(' ').indexOf(channel.value) !== -1;
      });
      if (suggested.length) workflow.value = suggested[0].value;
    });
  }

  // Execution table: Ctrl+Enter (or Cmd+Enter) in a row's text cell saves the row, as Enter does in its inputs.
  // A changed row also saves itself a moment after the change (PATCH to the API with the page's CSRF token),
  // and says so in the row's first cell: saving, saved, or not saved with the field the server refused.
  // Without this script the row's Save button posts the form; with it, that still works.
  var ROW_FIELDS = ['phase', 'actions', 'owner', 'startDate', 'endDate', 'status', 'blockers', 'suggestions', 'notes'];

  function rowValues(form) {
    var values = {};
    ROW_FIELDS.forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (!field) return;
      var value = field.value;
      if (name === 'phase' || name === 'owner' || name === 'startDate' || name === 'endDate') value = value.trim();
      if ((name === 'startDate' || name === 'endDate') && value === '') value = null;
      values[name] = value;
    });
    return values;
  }

  function autosaveRows(grid) {
    var table = grid.getAttribute('data-table-id');
    var labels = {
      saving: grid.getAttribute('data-label-saving') || '…',
      saved: grid.getAttribute('data-label-saved') || '✓',
      failed: grid.getAttribute('data-label-failed') || '!',
    };
    grid.querySelectorAll('tbody tr[data-row-id]').forEach(function (tr) {
      var id = tr.getAttribute('data-row-id');
      var form = document.getElementById('edit-' + id);
      var state = tr.querySelector('.save-state');
      if (!form || !state) return;
      var saved = rowValues(form);
      var timer = null;
      var busy = false;
      var again = false;

      function show(kind, text, title) {
        state.setAttribute('data-state', kind);
        state.textContent = text;
        state.title = title || '';
      }

      function save() {
        timer = null;
        if (busy) {
          again = true;
          return;
        }
        var now = rowValues(form);
        var patch = {};
        Object.keys(now).forEach(function (name) {
          if (now[name] !== saved[name]) patch[name] = now[name];
        });
        if (!Object.keys(patch).length) return;
        busy = true;
        show('saving', labels.saving);
        var token = form.querySelector('input[name="_csrf"]');
        fetch('/api/execution-tables/' + table + '/rows/' + id, {
          method: 'PATCH',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': token ? token.value : '' },
          body: JSON.stringify(patch),
        })
          .then(function (response) {
            return response.json().then(
              function (body) {
                return { ok: response.ok, body: body };
              },
              function () {
                return { ok: response.ok, body: {} };
              },
            );
          })
          .then(function (answer) {
            form.querySelectorAll('[aria-invalid]').forEach(function (field) {
              field.removeAttribute('aria-invalid');
            });
            tr.querySelectorAll('[aria-invalid]').forEach(function (field) {
              field.removeAttribute('aria-invalid');
            });
            if (answer.ok) {
              Object.keys(patch).forEach(function (name) {
                saved[name] = patch[name];
              });
              show('saved', labels.saved);
              return;
            }
            var error = (answer.body && answer.body.error) || {};
            var details = Array.isArray(error.details) ? error.details : [];
            var names = [];
            details.forEach(function (detail) {
              var field = detail && typeof detail.field === 'string' ? form.elements.namedItem(detail.field) : null;
              if (field && field.setAttribute) {
                field.setAttribute('aria-invalid', 'true');
                names.push((field.getAttribute('aria-label') || detail.field).replace(/\s+\d+$/, ''));
              }
            });
            show('failed', labels.failed + (names.length ? ': ' + names.join(', ') : ''), error.message || '');
          })
          .catch(function () {
            show('failed', labels.failed);
          })
          .then(function () {
            busy = false;
            if (again) {
              again = false;
              save();
            }
          });
      }

      function later() {
        if (timer) clearTimeout(timer);
        timer = setTimeout(save, 700);
      }
      ROW_FIELDS.forEach(function (name) {
        var field = form.elements.namedItem(name);
        if (field && field.addEventListener) field.addEventListener('change', later);
      });
      // The form posts itself (Save, Enter): the page reloads with the row as saved, so nothing is left to do.
      form.addEventListener('submit', function () {
        if (timer) clearTimeout(timer);
        timer = null;
      });
    });
  }

  function executionGrid() {
    var grid = document.querySelector('.execution-table');
    if (!grid) return;
    grid.addEventListener('keydown', function (event) {
      var field = event.target;
      if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey) || !field.form) return;
      event.preventDefault();
      if (field.form.requestSubmit) field.form.requestSubmit();
      else field.form.submit();
    });
    if (window.fetch && grid.getAttribute('data-table-id')) autosaveRows(grid);
  }

  document.addEventListener('DOMContentLoaded', function () {
    startCountdowns();
    suggestWorkflow();
    executionGrid();
  });
})();
