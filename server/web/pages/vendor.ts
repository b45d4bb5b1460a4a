import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type RequestHandler } from 'express';

/**
 * The browser libraries the pages use, served from the project's own node_modules (no CDN: SOPflow runs on
 * closed networks, and the CSP allows scripts from this server only). Mounted at `/vendor`:
 * - `/vendor/bpmn-js/`: bpmn-js's viewer and modeler bundles (`*.production.min.js`) and `assets/` (its CSS and
 *   font), exactly as bpmn-js publishes them in `dist/`; nothing else of the package is reachable.
 * - `/vendor/sopflow/sopflow-moddle.json`: the `sop:` moddle descriptor the importer reads, handed to the
 *   modeler as `moddleExtensions`, so the editor and the server read and write the same extension elements.
 */
export function vendorAssets(): RequestHandler {
  const require = createRequire(import.meta.url);
  const bpmnJsDist = join(dirname(require.resolve('bpmn-js/package.json')), 'dist');
  const bundles = /^\/(bpmn-(viewer|modeler|navigated-viewer)\.production\.min\.js|assets\/[\w./-]+)$/;
  const descriptor = fileURLToPath(new URL('../../engine/bpmn/sopflow-moddle.json', import.meta.url));
  const statics = express.static(bpmnJsDist, { index: false, maxAge: '1d', fallthrough: false });
  const router = Router();
  router.use('/bpmn-js', (req, res, next) => (bundles.test(req.path) && !req.path.includes('..') ? statics(req, res, next) : next()));
  router.get('/sopflow/sopflow-moddle.json', (_req, res) => res.type('application/json').sendFile(descriptor, { maxAge: '1h' }));
  return router;
}
