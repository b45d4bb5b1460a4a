import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILT_IN_DIR, BUILT_IN_PUBLISHER, loadBuiltInWorkflows } from '../../../server/services/workflows/built-in.js';
import { eachDatabase } from '../../helpers/databases.js';
import { BUILT_IN, openTestSopflow } from '../../helpers/sopflow.js';

const inquiry = () => readFileSync(new URL('customer-inquiry.bpmn', BUILT_IN_DIR), 'utf8');

eachDatabase('built-in SOPs on start', (database) => {
  test('the first load publishes every shipped SOP; a second changes nothing', async () => {
    const app = await openTestSopflow(database(), { workflows: [] });
    try {
      const first = await loadBuiltInWorkflows(app.workflows);
      expect(first.published.sort()).toEqual([...BUILT_IN].sort());
      expect((await app.workflows.list()).map((w) => w.key).sort()).toEqual([...BUILT_IN].sort());
      expect((await app.workflows.versions('customer-inquiry'))[0]).toMatchObject({ version: 1, publishedBy: BUILT_IN_PUBLISHER });

      const second = await loadBuiltInWorkflows(app.workflows);
      expect(second).toEqual({ published: [], unchanged: first.published });
    } finally {
      await app.close();
    }
  });

  test("a manager's later version stays the latest; a changed shipped file becomes the next version", async () => {
    const app = await openTestSopflow(database(), { workflows: [] });
    const shipped = mkdtempSync(join(tmpdir(), 'sopflow-built-in-'));
    try {
      writeFileSync(join(shipped, 'customer-inquiry.bpmn'), inquiry());
      const dir = pathToFileURL(`${shipped}/`);
      await loadBuiltInWorkflows(app.workflows, dir);
      await app.workflows.import(inquiry().replace('sla="PT5M"', 'sla="PT4M"'), 'chen.jie@managers.test');

      expect(await loadBuiltInWorkflows(app.workflows, dir)).toEqual({ published: [], unchanged: ['customer-inquiry'] });
      expect(await app.workflows.latest('customer-inquiry')).toMatchObject({ version: 2, publishedBy: 'chen.jie@managers.test' });

      writeFileSync(join(shipped, 'customer-inquiry.bpmn'), inquiry().replace('sla="PT5M"', 'sla="PT6M"'));
      expect(await loadBuiltInWorkflows(app.workflows, dir)).toEqual({ published: ['customer-inquiry'], unchanged: [] });
      expect(await app.workflows.latest('customer-inquiry')).toMatchObject({ version: 3, publishedBy: BUILT_IN_PUBLISHER });
    } finally {
      rmSync(shipped, { recursive: true, force: true });
      await app.close();
    }
  });
});
