/** Watch schedules (the interval floor, cron checked by BullMQ's own parser), tag globs and tag-list pagination. */
import { describe, expect, it } from 'vitest';
import { parseSchedule } from '../../../../src/jobs/rescan-job.js';
import { selectTags } from '../../../../src/jobs/watch-store.js';
import { listTags, nextPath } from '../../../../src/registry/tags.js';

describe('watch schedules', () => {
  it('reads intervals and refuses them below the floor', () => {
    expect(parseSchedule({ interval: '90s' }, 60_000)).toEqual({ every: 90_000 });
    expect(parseSchedule({ interval: '1h' }, 60_000)).toEqual({ every: 3_600_000 });
    expect(parseSchedule({ interval: '59s' }, 60_000)).toMatchObject({ error: expect.stringContaining('minimum of 60s') });
    expect(parseSchedule({ interval: 'soon' }, 60_000)).toMatchObject({ error: expect.stringContaining('not a duration') });
  });

  it('checks cron patterns with the parser BullMQ runs, and their shortest gap against the floor', () => {
    expect(parseSchedule({ cron: '*/5 * * * *' }, 60_000)).toEqual({ pattern: '*/5 * * * *' });
    expect(parseSchedule({ cron: '* * * * * *' }, 60_000)).toMatchObject({ error: expect.stringContaining('more often') });
    // Irregular: mostly an hour apart, but 0 and 1 are a minute apart.
    expect(parseSchedule({ cron: '0,1 * * * *' }, 120_000)).toMatchObject({ error: expect.stringContaining('more often') });
    expect(parseSchedule({ cron: '61 * * * *' }, 60_000)).toMatchObject({ error: expect.stringContaining('not a cron pattern') });
  });
});

describe('watched tags', () => {
  it('a glob selects from the tag list, sorted and bounded', () => {
    const available = ['2.0', '1.1', '1.0', 'latest', '1.0-alpine'];
    expect(selectTags({ tagPattern: '1.*' }, available, 10)).toEqual(['1.0', '1.0-alpine', '1.1']);
    expect(selectTags({ tagPattern: '1.*' }, available, 2)).toEqual(['1.0', '1.0-alpine']);
    expect(selectTags({ tags: ['x'] }, available, 10)).toEqual(['x']);
  });

  it('follows Link pagination within the same repository only', async () => {
    const pages: Record<string, { text: string; link: string | null }> = {
      '/tags/list?n=2': { text: '{"name":"team/app","tags":["a","b"]}', link: '</v2/team/app/tags/list?last=b&n=2>; rel="next"' },
      '/tags/list?last=b&n=2': { text: '{"name":"team/app","tags":["c"]}', link: null },
    };
    const asked: string[] = [];
    const tags = await listTags(async (path) => (asked.push(path), pages[path]), { registry: 'r', repository: 'team/app' }, { pageSize: 2 });
    expect(tags).toEqual(['a', 'b', 'c']);
    expect(asked).toEqual(['/tags/list?n=2', '/tags/list?last=b&n=2']);
    expect(nextPath('<https://evil.example/v2/other/tags/list?last=b>; rel="next"', 'team/app')).toBeUndefined();
    expect(nextPath('<https://r.example/v2/team/app/tags/list?last=b>; rel="next"', 'team/app')).toBe('/tags/list?last=b');
    expect(await listTags(async () => ({ text: '{"tags":null}', link: null }), { registry: 'r', repository: 'x' })).toEqual([]);
  });
});
