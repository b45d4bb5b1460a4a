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
  function saveRowsFromKeyboard() {
    var grid = document.querySelector('.execution-table');
    if (!grid) return;
    grid.addEventListener('keydown', function (event) {
      var field = event.target;
      if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey) || !field.form) return;
      event.preventDefault();
      if (field.form.requestSubmit) field.form.requestSubmit();
      else field.form.submit();
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    startCountdowns();
    suggestWorkflow();
    saveRowsFromKeyboard();
  });
})();
