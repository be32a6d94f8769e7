import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { shellWord, splitObjects } from '../../src/agent/lvm/shell.ts';

test('shellWord: plain words as they are, others quoted so the lvm shell keeps them whole; line breaks refused', () => {
  assert.is(shellWord('stratum.volume=pvc-1'), 'stratum.volume=pvc-1');
  assert.is(shellWord('1073741824b'), '1073741824b');
  assert.is(shellWord('stratum-fast/pvc-1'), 'stratum-fast/pvc-1');
  assert.is(shellWord('lv_name=a || lv_name=b'), '"lv_name=a || lv_name=b"');
  assert.is(shellWord('say "x"'), `'say "x"'`);
  assert.is(shellWord(''), '""');
  assert.throws(() => shellWord('a\nlvremove -y vg'), /refusing an argument with a line break/);
  assert.throws(() => shellWord(`it's "x"`), /both quote kinds/);
});

test('splitObjects: whole objects only, braces inside strings ignored, the rest kept for the next chunk', () => {
  const one = '  {\n      "log": [ {"log_message":"a } in { a \\"string\\"", "log_ret_code":"1"} ]\n  }\n';
  const two = '  {\n      "report": [ { "lv": [] } ]\n  }\n';
  const { objects, rest } = splitObjects(one + two.slice(0, 12));
  assert.equal(
    objects.map((o) => JSON.parse(o)),
    [{ log: [{ log_message: 'a } in { a "string"', log_ret_code: '1' }] }],
  );
  const next = splitObjects(rest + two.slice(12));
  assert.equal(
    next.objects.map((o) => JSON.parse(o)),
    [{ report: [{ lv: [] }] }],
  );
  assert.is(next.rest.trim(), '');
});

test.run();
