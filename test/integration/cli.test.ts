import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sopflow as runInProcess, type CliRun } from '../helpers/cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
/** The command as shipped (bin/sopflow.js, through tsx), in a process of its own. */
const SHIPPED = join(root, 'bin/sopflow.js');

/** The command in this process (runCli): what it prints and its exit code, without a process's start-up. */
const sopflow = (...args: string[]): Promise<CliRun> => runInProcess({}, ...args);
const sopflowWith = (env: Record<string, string>, ...args: string[]): Promise<CliRun> => runInProcess(env, ...args);

async function shipped(...args: string[]): Promise<CliRun> {
  return shippedWith({}, ...args);
}

async function shippedWith(env: Record<string, string>, ...args: string[]): Promise<CliRun> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SHIPPED, ...args], { cwd: root, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as CliRun;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const inquiry = join(root, 'workflows/customer-inquiry.bpmn');
const scratch = mkdtempSync(join(tmpdir(), 'sopflow-cli-'));

describe('sopflow CLI', () => {
  test('validate: an executable SOP gives exit 0 and a one-line summary (the shipped bin/sopflow.js)', async () => {
    const { code, stdout } = await shipped('validate', inquiry);
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toEqual([expect.stringMatching(/^ok customer-inquiry ".*": 8 steps \(7 for people\), 2 timers$/)]);
  });

  test('the shipped bin/sopflow.js exits 1 on a refused command and on an unknown one, saying why on stderr', async () => {
    const missing = await shipped('validate', join(scratch, 'nope.bpmn'));
    expect(missing).toMatchObject({ code: 1, stdout: '', stderr: `sopflow: cannot read ${join(scratch, 'nope.bpmn')}: ENOENT\n` });
    const unknown = await shipped('frobnicate');
    expect(unknown).toMatchObject({ code: 1, stdout: '', stderr: expect.stringContaining('frobnicate') });
    // a file that is not a database: one line, no stack trace from the database library on stdout or stderr
    const notADatabase = join(scratch, 'not-a-database.sqlite');
    writeFileSync(notADatabase, 'x'.repeat(4096));
    expect(await shippedWith({ DATABASE_URL: `sqlite:${notADatabase}` }, 'token', 'list')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'sopflow: file is not a database\n',
    });
  });

  test('validate: a broken file gives exit 1 and one line per problem, no stack trace', async () => {
    const { code, stdout, stderr } = await sopflow(
      'validate',
      join(root, 'test/fixtures/corpus/bpmn-miwg-test-suite/bpmn.io (Camunda Modeler) 18.6.1/C.9.1-export.bpmn'),
    );
    expect(code).toBe(1);
    expect(stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^Event_0r6z74c boundaryEvent: the timer has no time expression/),
      expect.stringMatching(/^Event_08bx9nv boundaryEvent: the timer has no time expression/),
    ]);
    expect(stderr).not.toMatch(/ at /);
  });

  test('validate: warnings follow the summary, marked and coded; --process picks one process of several', async () => {
    const collaboration = join(root, 'test/fixtures/corpus/bpmn-miwg-test-suite/Reference/C.1.0.bpmn');
    const { code, stdout } = await sopflow('validate', collaboration);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ok /);
    expect(lines.slice(1)).toContainEqual(expect.stringMatching(/^warning invoiceApproved sequenceFlow: the JUEL condition .* \[condition_translated\]$/));
    const other = /^warning (\S+) process: .* \[process_left_out\]$/.exec(lines.find((l) => l.includes('process_left_out'))!)![1]!;
    const chosen = await sopflow('validate', '--process', other, collaboration);
    // The other process is read now (and refused for its own problems); the first one is the one left out.
    expect(chosen.stdout).toMatch(new RegExp(`only ${other} \\(.*\\) is; .*\\[process_left_out\\]`));
    // The program is built per run: --process of the run before is not this one's.
    expect(await sopflow('validate', collaboration)).toEqual({ code, stdout, stderr: '' });
  });

  test('validate and compile check with the configured limits, as the server would', async () => {
    const elements = await sopflowWith({ WORKFLOW_MAX_ELEMENTS: '5' }, 'validate', inquiry);
    expect(elements.code).toBe(1);
    expect(elements.stdout).toMatch(/WORKFLOW_MAX_ELEMENTS/);
    const bytes = await sopflowWith({ WORKFLOW_MAX_BYTES: '1000' }, 'compile', inquiry);
    expect(bytes.code).toBe(1);
    expect(bytes.stderr).toMatch(/WORKFLOW_MAX_BYTES/);
    expect(bytes.stdout).toBe(''); // an unexecutable file's problems are errors of compile, on stderr: what it pipes into a file stays empty
    const unexecutable = await sopflow('compile', join(root, 'test/fixtures/corpus/bpmn-miwg-test-suite/bpmn.io (Camunda Modeler) 18.6.1/C.9.1-export.bpmn'));
    expect(unexecutable).toMatchObject({ code: 1, stdout: '' });
    expect(unexecutable.stderr).toMatch(/^Event_0r6z74c boundaryEvent: /);
  });

  test('validate: a missing file or garbage is a clear one-line error', async () => {
    const missing = await sopflow('validate', join(scratch, 'nope.bpmn'));
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(`sopflow: cannot read ${join(scratch, 'nope.bpmn')}: ENOENT`);
    const garbage = join(scratch, 'garbage.bpmn');
    writeFileSync(garbage, '\u0000\u0001 not xml');
    const bad = await sopflow('validate', garbage);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^document xml: /);
  });

  test('validate: a 1 MB file answers (450 steps: within WORKFLOW_MAX_ELEMENTS, 1000 flow nodes and flows)', async () => {
    const tasks = Array.from(
      { length: 450 },
      (_, i) =>
        `<bpmn:serviceTask id="t${i}" name="Automatic step number ${i}"/><bpmn:sequenceFlow id="f${i}" sourceRef="${i ? `t${i - 1}` : 's'}" targetRef="t${i}"/>`,
    ).join('');
    const xml = `<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"><bpmn:process id="big"><bpmn:startEvent id="s"/>${tasks}<bpmn:endEvent id="e"/><bpmn:sequenceFlow id="fe" sourceRef="t449" targetRef="e"/></bpmn:process></bpmn:definitions>`;
    const big = join(scratch, 'big.bpmn');
    writeFileSync(big, xml.padEnd(1024 * 1024, ' '));
    const { code, stdout } = await sopflow('validate', big);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ok big "big": 450 steps \(0 for people\), 0 timers/);
  });

  test('compile: prints the workflow JSON with the machine and step metadata', async () => {
    const { code, stdout } = await sopflow('compile', inquiry);
    expect(code).toBe(0);
    const workflow = JSON.parse(stdout);
    expect(workflow.machine.id).toBe('customer-inquiry');
    expect(workflow.steps.Task_Grade).toMatchObject({
      owner: expect.any(String),
      slaMs: 600_000,
      fields: expect.arrayContaining([expect.objectContaining({ name: 'level', options: ['L1', 'L2', 'L3'] })]),
    });
    expect(workflow.timers.Timer_L2FirstResponse).toMatchObject({ behaviour: 'reminder', spec: { type: 'duration', value: 'PT2H' } });
  });

  test('simulate: walks the L2 branch on a virtual clock, firing the 2 h reminder', async () => {
    const { code, stdout } = await sopflow(
      'simulate',
      inquiry,
      '--path',
      'answer,grade?level=L2,+PT3H,resolve,send_feedback,record_follow_up?satisfaction=5&resolved=true',
    );
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^2026-01-05 09:00:00Z {2}passed {3}Service_BotPreClassify/);
    expect(lines).toContainEqual(expect.stringMatching(/^2026-01-05 11:02:00Z {2}reminder .*Technical-support lead/));
    expect(lines.at(-1)).toMatch(/record_follow_up → closed$/);
  });

  test('simulate: an event that is not allowed names the allowed ones', async () => {
    const { code, stderr } = await sopflow('simulate', inquiry, '--path', 'resolve');
    expect(code).toBe(1);
    expect(stderr).toMatch(/event "resolve" is not allowed now; allowed: answer, abandon/);
  });

  test('export: BPMN with layout that compiles back to the same workflow; also from the compiled JSON', async () => {
    const exported = await sopflow('export', inquiry);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/<bpmndi:BPMNDiagram/);
    const file = join(scratch, 'exported.bpmn');
    writeFileSync(file, exported.stdout);
    expect((await sopflow('validate', file)).stdout).toMatch(/^ok customer-inquiry/);
    const json = join(scratch, 'inquiry.json');
    writeFileSync(json, (await sopflow('compile', inquiry)).stdout);
    const fromJson = await sopflow('export', json);
    expect(fromJson.code).toBe(0);
    expect(fromJson.stdout).toMatch(/<bpmn:process id="customer-inquiry"/);
  });

  test('compile and export of a malformed compiled JSON: one line naming the file and where, exit 1, no JavaScript error', async () => {
    const broken = (name: string, text: string) => {
      const file = join(scratch, name);
      writeFileSync(file, text);
      return file;
    };
    const cases: Array<[string, RegExp]> = [
      [broken('cut.json', '{\n  "graph": {\n    "id": "x",\n'), /line 4, column 1/],
      [broken('null.json', 'null'), /graph/],
      [broken('no-nodes.json', '{"graph": {"id": "x", "flows": [], "lanes": []}}'), /graph\.nodes\b/],
      [broken('string-nodes.json', '{"graph": {"id": "x", "nodes": "abc", "flows": [], "lanes": []}}'), /graph\.nodes\b/],
      [
        broken('bad-flow.json', '{"graph": {"id": "x", "nodes": [], "flows": [{"id": "f", "source": 1}], "lanes": []}}'),
        /graph\.flows\.0\.source\b.*graph\.flows\.0\.target\b/,
      ],
    ];
    for (const command of ['compile', 'export'])
      for (const [file, where] of cases) {
        const refused = await sopflow(command, file);
        expect([command, file, refused.code, refused.stdout]).toEqual([command, file, 1, '']);
        expect(refused.stderr).toMatch(new RegExp(`^sopflow: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} .+\n$`));
        expect(refused.stderr).toMatch(where);
        expect(refused.stderr).not.toMatch(/SyntaxError|TypeError|Cannot read properties|is not iterable|\n\s+at /);
      }
  });
});
