import { rankAgents, ticketOrder, type Candidate } from '../../../server/services/routing/assignment-policy.js';

const agent = (id: number, more: Partial<Candidate>): Candidate => ({
  id,
  email: `a${id}@t.test`,
  skills: [],
  level: 'L1',
  capacity: 4,
  load: 0,
  presence: 'online',
  idleSince: 0,
  ...more,
});

describe('assignment policy', () => {
  const team = [
    agent(1, { skills: ['billing'], level: 'L1', load: 1, capacity: 4, idleSince: 100 }),
    agent(2, { skills: ['billing', 'technical'], level: 'L2', load: 1, capacity: 2, idleSince: 50 }),
    agent(3, { skills: ['technical'], level: 'L3', load: 0, capacity: 3, idleSince: 300 }),
    agent(4, { skills: ['billing'], level: 'L1', load: 0, capacity: 2, presence: 'away' }),
    agent(5, { skills: ['billing'], level: 'L2', load: 3, capacity: 3 }),
    agent(6, { skills: ['billing'], level: 'L1', load: 1, capacity: 4, idleSince: 20 }),
  ];

  test('required skill and level first: an L2 technical ticket goes to L2+ technical agents only', () => {
    expect(rankAgents(team, { type: 'technical', level: 'L2', channel: 'email' }).map((a) => a.id)).toEqual([3, 2]);
    expect(rankAgents(team, { type: 'technical', level: 'L3', channel: 'email' }).map((a) => a.id)).toEqual([3]);
  });

  test('then least load relative to capacity, then the longest idle, then the lowest id', () => {
    // billing L1: 1 (1/4, idle 100), 2 (1/2), 6 (1/4, idle 20); 4 away, 5 full.
    expect(rankAgents(team, { type: 'billing', level: 'L1', channel: 'email' }).map((a) => a.id)).toEqual([6, 1, 2]);
    const tied = [agent(9, { idleSince: 5 }), agent(7, { idleSince: 5 }), agent(8, { idleSince: 5 })];
    expect(rankAgents(tied, { type: null, level: null, channel: 'email' }).map((a) => a.id)).toEqual([7, 8, 9]);
  });

  test('nobody online with room: nobody', () => {
    expect(
      rankAgents([agent(1, { presence: 'offline' }), agent(2, { load: 4 }), agent(3, { capacity: 0 })], { type: null, level: null, channel: 'app' }),
    ).toEqual([]);
  });

  test('channel skills narrow an agent to those channels', () => {
    const phoneOnly = agent(1, { skills: ['channel:phone'] });
    expect(rankAgents([phoneOnly], { type: null, level: null, channel: 'email' })).toEqual([]);
    expect(rankAgents([phoneOnly], { type: null, level: null, channel: 'phone' })).toHaveLength(1);
  });

  test('waiting tickets: VIP first, then priority, then oldest', () => {
    const waiting = [
      { id: 1, vip: false, priority: 'urgent' as const, createdAt: 3 },
      { id: 2, vip: true, priority: 'normal' as const, createdAt: 5 },
      { id: 3, vip: false, priority: 'urgent' as const, createdAt: 1 },
      { id: 4, vip: false, priority: 'low' as const, createdAt: 0 },
    ];
    expect(waiting.sort(ticketOrder).map((t) => t.id)).toEqual([2, 3, 1, 4]);
  });
});
