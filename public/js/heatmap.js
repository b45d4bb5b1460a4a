// SOPflow: the workflow diagram with each step coloured by its figures (the analytics dashboard's heatmap).
// Loaded after the bpmn-js viewer that the server serves itself (/vendor/bpmn-js); the CSP allows no inline
// script, so the figures come in the container's data attributes. Without this script, or without
// JavaScript, the step table under the diagram shows the same figures.
(function () {
  'use strict';

  function renderHeatmap(container) {
    var box = container.querySelector('.heatmap-canvas');
    var status = container.querySelector('.heatmap-status');
    var steps;
    try {
      steps = JSON.parse(container.getAttribute('data-steps') || '[]');
    } catch (error) {
      steps = [];
    }
    if (!box || !window.BpmnJS || !window.fetch) return;

    function fail() {
      container.setAttribute('data-rendered', 'failed');
      if (status) status.textContent = container.getAttribute('data-label-failed') || '';
    }

    var viewer = new window.BpmnJS({ container: box });
    fetch(container.getAttribute('data-bpmn-url'), { credentials: 'same-origin', headers: { Accept: 'application/xml' } })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.text();
      })
      .then(function (xml) {
        return viewer.importXML(xml);
      })
      .then(function () {
        var canvas = viewer.get('canvas');
        var overlays = viewer.get('overlays');
        var registry = viewer.get('elementRegistry');
        canvas.zoom('fit-viewport', 'auto');
        var painted = 0;
        steps.forEach(function (step) {
          if (!registry.get(step.id)) return;
          canvas.addMarker(step.id, 'heat-' + step.band);
          canvas.addMarker(step.id, 'breach-' + step.breach);
          // A link to the step's row in the table below: the figures in words, and the full sentence on hover.
          var badge = document.createElement('a');
          badge.className = 'heat-badge heat-badge-' + step.band;
          badge.href = '#step-' + step.id;
          badge.textContent = step.text;
          badge.title = step.title;
          overlays.add(step.id, 'heat', { position: { bottom: 8, left: -4 }, html: badge });
          painted += 1;
        });
        container.setAttribute('data-rendered', String(painted));
        if (status) status.textContent = '';
      })
      .catch(fail);
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('[data-heatmap]').forEach(renderHeatmap);
  });
})();
