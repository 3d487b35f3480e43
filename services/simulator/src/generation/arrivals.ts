import type { Channel } from '@dvc/contracts';
import type { Offering, ProvinceModel } from '../model/province-model';
import { Random, WeightedTable } from '../model/random';
import { HOUR_MS, vietnamMidnight, weekday } from './vietnam-clock';

/** A dossier as it comes in: when, for which procedure at which agency, and how. */
export interface Arrival {
  receivedMs: number;
  offering: Offering;
  channel: Channel;
}

/** Share of paper dossiers sent by post (bưu chính công ích) rather than brought in. */
const POSTAL_SHARE = 0.03;
/** Relative volume by weekday, Sunday first: counters are closed on Sundays, some open Saturday mornings. */
const IN_PERSON_BY_WEEKDAY = [0, 1, 1, 1, 1, 1, 0.15];
const ONLINE_BY_WEEKDAY = [0.45, 1, 1, 1, 1, 1, 0.55];
/** Online submissions by hour of the day (Vietnam time): evenings are busy, nights quiet. */
const ONLINE_BY_HOUR = [1, 0.5, 0.3, 0.2, 0.3, 0.8, 2, 4, 7, 8, 8, 7, 5, 5, 7, 8, 8, 7, 5, 5, 6, 5, 3, 2];

/**
 * Exactly `dossiers` arrivals spread over whole Vietnamese days [firstDay, lastDay], in time order.
 * Online and paper dossiers are two streams with their own day and hour profiles; each draws its
 * offerings weighted by volume × (online or paper) share, which is the same joint distribution as
 * drawing the offering and then its channel, so every offering keeps its intended online share.
 */
export function* historicalArrivals(
  model: ProvinceModel,
  dossiers: number,
  firstDay: number,
  lastDay: number,
  random: Random,
): Generator<Arrival> {
  const online = new WeightedTable(model.offerings, (o) => o.weight * o.onlineShare);
  const paper = new WeightedTable(model.offerings, (o) => o.weight * (1 - o.onlineShare));
  const onlineTotal = Math.round(dossiers * (online.total / (online.total + paper.total)));
  const hours = new WeightedTable(ONLINE_BY_HOUR.map((_, hour) => hour), (hour) => ONLINE_BY_HOUR[hour]);
  const onlineDays = spread(onlineTotal, firstDay, lastDay, ONLINE_BY_WEEKDAY);
  const paperDays = spread(dossiers - onlineTotal, firstDay, lastDay, IN_PERSON_BY_WEEKDAY);

  for (let day = firstDay; day <= lastDay; day++) {
    const midnight = vietnamMidnight(day);
    const today: Arrival[] = [];
    for (let i = onlineDays[day - firstDay]; i > 0; i--) {
      const at = midnight + hours.draw(random) * HOUR_MS + random.next() * HOUR_MS;
      today.push({ receivedMs: Math.floor(at), offering: online.draw(random), channel: 'online' });
    }
    const saturday = weekday(day) === 6;
    for (let i = paperDays[day - firstDay]; i > 0; i--) {
      // Counters: 07:30–11:30 and 13:30–17:00, Saturday mornings only.
      const morning = saturday || random.chance(0.6);
      const at = morning ? 7.5 * HOUR_MS + random.next() * 4 * HOUR_MS : 13.5 * HOUR_MS + random.next() * 3.5 * HOUR_MS;
      const channel: Channel = random.chance(POSTAL_SHARE) ? 'postal' : 'in_person';
      today.push({ receivedMs: Math.floor(midnight + at), offering: paper.draw(random), channel });
    }
    today.sort((a, b) => a.receivedMs - b.receivedMs);
    yield* today;
  }
}

/** Spreads `total` over the days by weekday weight, with cumulative rounding so the sum is exact. */
function spread(total: number, firstDay: number, lastDay: number, byWeekday: number[]): Int32Array {
  const counts = new Int32Array(lastDay - firstDay + 1);
  let sum = 0;
  for (let day = firstDay; day <= lastDay; day++) sum += byWeekday[weekday(day)];
  let cumulative = 0;
  let given = 0;
  for (let day = firstDay; day <= lastDay; day++) {
    cumulative += byWeekday[weekday(day)];
    const upTo = sum > 0 ? Math.round((total * cumulative) / sum) : 0;
    counts[day - firstDay] = upTo - given;
    given = upTo;
  }
  return counts;
}

/**
 * An endless Poisson stream at `perSecond` dossiers from `startMs`, without day profiles: a live
 * demo runs at a steady rate whatever the hour. Each offering's channel is drawn by its online share.
 */
export function* liveArrivals(model: ProvinceModel, startMs: number, perSecond: number, random: Random): Generator<Arrival> {
  const meanGapMs = 1000 / perSecond;
  let at = startMs;
  for (;;) {
    at += random.exponential(meanGapMs);
    const offering = model.offeringTable.draw(random);
    const channel: Channel = random.chance(offering.onlineShare)
      ? 'online'
      : random.chance(POSTAL_SHARE)
        ? 'postal'
        : 'in_person';
    yield { receivedMs: Math.floor(at), offering, channel };
  }
}

