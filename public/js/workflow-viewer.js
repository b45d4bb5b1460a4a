// The diagram of one workflow version, drawn by bpmn-js's viewer (served from /vendor/bpmn-js/, no CDN).
// The BPMN comes from the API as the download link offers it; nothing runs inline (the CSP forbids it).
(function () {
  'use strict';

  function show() {
    var container = document.querySelector('.diagram[data-bpmn-url]');
    if (!container || typeof window.BpmnJS !== 'function') return;
    var viewer = new window.BpmnJS({ container: container });
    fetch(container.getAttribute('data-bpmn-url'), { credentials: 'same-origin', headers: { accept: 'application/xml' } })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.text();
      })
      .then(function (xml) {
        return viewer.importXML(xml);
      })
      .then(function () {
        viewer.get('canvas').zoom('fit-viewport');
        container.setAttribute('data-ready', 'true');
      })
      .catch(function (error) {
        container.textContent = (container.getAttribute('data-error') || '') + ' ' + error.message;
        container.setAttribute('data-ready', 'failed');
      });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', show);
  else show();
})();
