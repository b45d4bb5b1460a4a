import { Router, type Request, type Response } from 'express';
import { AppError, InvalidBpmnError, NotFoundError } from '../../../shared/errors.js';
import { requireRole, type PageKit } from '../page-kit.js';
import { CHANNELS } from '../../../services/tickets/channels.js';
import { flash } from '../session.js';
import { problemRows, type ProblemRow } from '../view-models/bpmn-problems.js';
import { editorTexts } from '../view-models/editor-texts.js';
import { libraryModel, stepRows, timerRows, versionRow } from '../view-models/workflow-page.js';

/** Where the library's upload form posts a BPMN file (read as multipart before the CSRF check, in pages.ts). */
export const workflowUploadPath = '/workflows/upload';

/**
 * The workflow library (managers and admins): every workflow with its versions, one version's diagram and
 * step table, upload of a BPMN file from any modeler, and the editor. Agents get the 403 page.
 */
export function workflowPageRoutes(kit: PageKit): Router {
  const router = Router();
  router.use('/workflows', requireRole('manager'));

  const library = async (req: Request, res: Response, refused?: { file: string; message: string; problems: ProblemRow[] }, status = 200) => {
    const f = kit.formatter(req);
    const workflows = libraryModel(await kit.app.workflowOverview.all(), f);
    await kit.send(req, res, 'workflows', 'workflows.title', { workflows, refused, maxBytes: kit.app.workflows.limits.maxBytes }, status);
  };

  router.get('/workflows', (req, res) => library(req, res));

  router.post(workflowUploadPath, async (req, res) => {
    if (!req.file) throw new AppError('bad_request', 'choose a BPMN file (.bpmn or .xml) to upload');
    const file = req.file.originalname;
    try {
      const { version, created } = await kit.app.workflows.import(req.file.buffer, req.user!.email);
      kit.catalog.invalidate();
      flash(req, {
        kind: 'success',
        key: created ? 'workflows.upload.imported' : 'workflows.upload.unchanged',
        values: { name: version.name, version: version.version },
      });
      res.redirect(303, `/workflows/${encodeURIComponent(version.key)}?version=${version.version}`);
    } catch (error) {
      // Refused whole: the page lists every problem by element id, and nothing was imported. A limit passed
      // (413) goes to the error page, which names the limit and its maximum in the reader's language.
      if (error instanceof InvalidBpmnError) {
        const f = kit.formatter(req);
        const message = f.t('workflows.upload.problemCount', { count: error.problems.length });
        return library(req, res, { file, message, problems: problemRows(error.problems, f) }, 422);
      }
      throw error;
    }
  });

  router.get('/workflows/:key', async (req, res) => {
    const f = kit.formatter(req);
    const key = req.params.key;
    const versions = await kit.app.workflowOverview.versions(key);
    // No version asked: the latest. One spelt otherwise than the versions are (01, 0, 1e0, abc) is no page.
    const given = req.query.version;
    if (given !== undefined && !(typeof given === 'string' && /^[1-9]\d{0,8}$/.test(given)))
      throw new NotFoundError(`workflow "${key}" has no version ${String(given)}`);
    const asked = given === undefined ? versions[0]!.version : Number(given);
    const version = await kit.app.workflows.version(key, asked);
    const { workflow } = version;
    await kit.send(
      req,
      res,
      'workflow',
      { text: `${workflow.name} · v${version.version}` },
      {
        key,
        name: workflow.name,
        version: version.version,
        latest: versions[0]!.version === version.version,
        edit: `/workflows/${encodeURIComponent(key)}/edit`,
        migrate: versions.length > 1 ? `/workflows/${encodeURIComponent(key)}/migrate` : undefined,
        download: `/api/workflows/${encodeURIComponent(key)}/versions/${version.version}/bpmn`,
        versions: versions.map((v) => versionRow(key, v, f, version.version)),
        steps: stepRows(workflow, f),
        timers: timerRows(workflow, f),
        limit: workflow.slaMs !== undefined ? f.duration(workflow.slaMs) : undefined,
        vipLimit: workflow.vipSlaMs !== undefined ? f.duration(workflow.vipSlaMs) : undefined,
      },
    );
  });

  router.get('/workflows/:key/edit', async (req, res) => {
    const key = req.params.key;
    const latest = await kit.app.workflows.latest(key);
    await kit.send(
      req,
      res,
      'workflow-editor',
      { text: `${latest.name} · ${kit.formatter(req).t('editor.title')}` },
      {
        key,
        name: latest.name,
        version: latest.version,
        library: `/workflows/${encodeURIComponent(key)}`,
        api: `/api/workflows/${encodeURIComponent(key)}`,
        channels: CHANNELS.join(', '),
        texts: editorTexts(kit.formatter(req)),
      },
    );
  });

  return router;
}
