/**
 * Synthetic click logs with a planted hierarchy: scenario group, then
 * scenario, then user population, then interest inside the population.
 * `docs/synthetic-data.md` states the generating model; the constants
 * below are the ones it names, and a change here must change it too.
 *
 * Output is deterministic by seed and streamed: rows are produced in
 * chunks, so memory does not grow with the row count.
 */
import { Random } from "../data/hash.js";

/** Options of the generator. */
export interface SynthOptions {
  /** Data rows to write (the header not counted). */
  readonly rows: number;
  readonly seed: number;
  /** Scenarios M (at least 2); the first ceil(M/2) form scenario group 0. */
  readonly scenarios?: number;
  /** Users U in the user table. */
  readonly users?: number;
  /** Items I in the item table. */
  readonly items?: number;
  /** The way the user fields reveal the population (see `SegmentMode`). */
  readonly segments?: SegmentMode;
}

/**
 * The way the user fields reveal the population.
 * - `votes`: each segment field names the population with probability
 *   `SEGMENT_AGREEMENT`, and the device, the activity and the interest
 *   tags hint at it too. Every hint is readable field by field.
 * - `joint`: only the two segment fields together name it, as
 *   `(user_seg_a + user_seg_b) mod 4`, and either field alone carries no
 *   information about it. The device and the activity do not depend on
 *   it, and the interest tags name the interest's index inside its
 *   population, which reveals the interest only once the population is
 *   known.
 */
export type SegmentMode = "votes" | "joint";

/** The segment modes, in documentation order. */
export const SEGMENT_MODES: readonly SegmentMode[] = ["votes", "joint"];

/** The CSV columns, in file order. */
export const SYNTH_COLUMNS = [
  "is_click",
  "scenario",
  "user_id",
  "item_id",
  "user_seg_a",
  "user_seg_b",
  "device",
  "region",
  "hour",
  "item_category",
  "user_activity",
  "item_price",
  "interests",
  "true_scenario_group",
  "true_population",
  "true_interest",
] as const;

/** Populations P. */
export const POPULATIONS = 4;
/** Interests K inside each population; interest ids run over P * K. */
export const INTERESTS_PER_POPULATION = 3;
/** Item categories C. */
export const CATEGORIES = 12;
/** Tags per interest pool; tag ids run over P * K * TAGS_PER_INTEREST. */
export const TAGS_PER_INTEREST = 4;
/** Regions R (a feature with no effect on clicks). */
export const REGIONS = 10;

/** Population effect gamma_p in scenario group 0; group 1 uses -gamma_p. */
export const POPULATION_EFFECT = [1.0, -1.0, 0.6, -0.6];
/** Interest-match effect per scenario group. */
export const MATCH_EFFECT = [1.5, 0.5];
/** Price slope per scenario group: group 0 prefers cheap items, group 1 dear ones. */
export const PRICE_EFFECT = [-0.5, 0.5];
/**
 * Strength of the category taste of a (scenario group, population) cell.
 * The cell adds `+TASTE_EFFECT` for the 4 of the 12 categories it likes
 * and `-TASTE_EFFECT / 2` for the other 8 (see `cellTaste`).
 */
export const TASTE_EFFECT = 1.0;
/**
 * Probability that a user's segment field names the user's population;
 * otherwise the field is a uniform draw (which may name it too).
 */
export const SEGMENT_AGREEMENT = 0.7;
/** Device offsets for ios, android, web. */
export const DEVICE_EFFECT = [0.1, 0, -0.1];
const DEVICES = ["ios", "android", "web"];

const DEFAULT_SCENARIOS = 6;
/** Maximum number of scenarios that `hmdnc synth` accepts. */
const MAX_SCENARIOS = 1000;
/** Maximum number of users or items, since the tables take about 100 bytes a row. */
const MAX_TABLE_ROWS = 10_000_000;
const DEFAULT_USERS = 20000;
const DEFAULT_ITEMS = 5000;
const ROWS_PER_CHUNK = 4096;

/** Returns the scenario base logit alpha_s = -0.8 + 0.3 * (s mod 3). */
export function scenarioBase(scenario: number): number {
  return -0.8 + 0.3 * (scenario % 3);
}

/** Returns the coarse group of a scenario: 0 for the first ceil(M/2), else 1. */
export function scenarioGroup(scenario: number, scenarios: number): number {
  return scenario < Math.ceil(scenarios / 2) ? 0 : 1;
}

/**
 * Returns the taste of cell (group, population) for a category: the cell
 * likes the 4 categories `c` with `(c + 3p + 6g) mod 12 < 4`. Each
 * population of a group likes a different third of the categories, and
 * the other group shifts every population's liked third by half the
 * circle, so the taste is a function of the group, the population and the
 * category together.
 */
export function cellTaste(
  group: number,
  population: number,
  category: number,
): number {
  const liked = (category + 3 * population + 6 * group) % CATEGORIES < 4;
  return liked ? TASTE_EFFECT : -TASTE_EFFECT / 2;
}

/** Tells whether items of `category` match global interest `interest` (j and j+5 mod C). */
export function isPreferred(interest: number, category: number): boolean {
  return (
    category === interest % CATEGORIES ||
    category === (interest + 5) % CATEGORIES
  );
}

interface Users {
  readonly population: Int32Array;
  readonly interest: Int32Array;
  readonly segA: Int32Array;
  readonly segB: Int32Array;
  readonly device: Int32Array;
  readonly region: Int32Array;
  readonly bias: Float64Array;
  readonly activity: string[];
  readonly interests: string[];
}

interface Items {
  readonly category: Int32Array;
  readonly quality: Float64Array;
  readonly price: Float64Array;
  readonly priceText: string[];
  /** Item ids of each category. */
  readonly byCategory: Int32Array[];
}

/** Summary of a generated file. */
export interface SynthSummary {
  readonly rows: number;
  readonly clicks: number;
  /** Rows and clicks per scenario value. */
  readonly scenarios: Readonly<
    Record<string, { rows: number; clicks: number }>
  >;
}

/** Checks the options and fills in defaults; throws a RangeError naming the bad option. */
export function resolveSynthOptions(
  options: SynthOptions,
): Required<SynthOptions> {
  const resolved = {
    rows: options.rows,
    seed: options.seed,
    scenarios: options.scenarios ?? DEFAULT_SCENARIOS,
    users: options.users ?? DEFAULT_USERS,
    items: options.items ?? DEFAULT_ITEMS,
    segments: options.segments ?? "votes",
  };
  const check = (
    name: string,
    value: number,
    minimum: number,
    maximum: number = Number.MAX_SAFE_INTEGER,
  ): void => {
    if (!Number.isSafeInteger(value) || value < minimum) {
      throw new RangeError(
        `\`${name}\` must be an integer >= ${minimum}, got ${value}`,
      );
    }
    if (value > maximum) {
      throw new RangeError(
        `\`${name}\` must be at most ${maximum}, got ${value}`,
      );
    }
  };
  check("rows", resolved.rows, 0);
  // The generator is seeded with 32 bits, so a wider range would repeat files.
  check("seed", resolved.seed, -(2 ** 31), 2 ** 31 - 1);
  // The user and item tables and the scenario list are held in memory.
  check("scenarios", resolved.scenarios, 2, MAX_SCENARIOS);
  check("users", resolved.users, 1, MAX_TABLE_ROWS);
  check("items", resolved.items, CATEGORIES, MAX_TABLE_ROWS);
  if (!SEGMENT_MODES.includes(resolved.segments)) {
    throw new RangeError(
      `\`segments\` must be ${SEGMENT_MODES.join(" or ")}, got ${String(resolved.segments)}`,
    );
  }
  return resolved;
}

/** Draws a segment field: the population with probability `SEGMENT_AGREEMENT`, else uniform. */
function segmentVote(population: number, random: Random): number {
  return random.next() < SEGMENT_AGREEMENT
    ? population
    : random.below(POPULATIONS);
}

function makeUsers(
  count: number,
  segments: SegmentMode,
  random: Random,
): Users {
  const tagCount = POPULATIONS * INTERESTS_PER_POPULATION * TAGS_PER_INTEREST;
  const joint = segments === "joint";
  const users: Users = {
    population: new Int32Array(count),
    interest: new Int32Array(count),
    segA: new Int32Array(count),
    segB: new Int32Array(count),
    device: new Int32Array(count),
    region: new Int32Array(count),
    bias: new Float64Array(count),
    activity: [],
    interests: [],
  };
  for (let u = 0; u < count; u++) {
    const population = random.below(POPULATIONS);
    const interest =
      population * INTERESTS_PER_POPULATION +
      random.below(INTERESTS_PER_POPULATION);
    users.population[u] = population;
    users.interest[u] = interest;
    if (joint) {
      users.segA[u] = random.below(POPULATIONS);
      users.segB[u] = (population - users.segA[u] + POPULATIONS) % POPULATIONS;
    } else {
      users.segA[u] = segmentVote(population, random);
      users.segB[u] = segmentVote(population, random);
    }
    // With votes, population p uses device d = p mod 3 half of the time,
    // else any device.
    users.device[u] =
      !joint && random.next() < 0.5 ? population % 3 : random.below(3);
    users.region[u] = random.below(REGIONS);
    users.bias[u] = 0.3 * random.normal();
    // With joint segments the activity shift is the mean of 0.5 p over p.
    const shift = joint ? 0.75 : 0.5 * population;
    users.activity.push(Math.exp(1 + shift + 0.5 * random.normal()).toFixed(3));
    // With votes, tags come from the interest's own pool. With joint
    // segments they come from the pool of its index inside the population,
    // which all populations share.
    const pool = joint ? interest % INTERESTS_PER_POPULATION : interest;
    const length = 1 + random.below(3);
    const tags: string[] = [];
    for (let k = 0; k < length; k++) {
      const tag =
        random.next() < 0.8
          ? pool * TAGS_PER_INTEREST + random.below(TAGS_PER_INTEREST)
          : random.below(tagCount);
      tags.push(`t${tag}`);
    }
    users.interests.push(tags.join("|"));
  }
  return users;
}

function makeItems(count: number, random: Random): Items {
  const items: Items = {
    category: new Int32Array(count),
    quality: new Float64Array(count),
    price: new Float64Array(count),
    priceText: [],
    byCategory: [],
  };
  const lists: number[][] = Array.from({ length: CATEGORIES }, () => []);
  for (let i = 0; i < count; i++) {
    // The first C items cover every category, so no category list is empty.
    const category = i < CATEGORIES ? i : random.below(CATEGORIES);
    items.category[i] = category;
    items.quality[i] = 0.4 * random.normal();
    const price = Math.exp(3 + 0.2 * (category % 4) + 0.6 * random.normal());
    const text = price.toFixed(2);
    items.price[i] = Number(text);
    items.priceText.push(text);
    lists[category].push(i);
  }
  items.byCategory.push(...lists.map((list) => Int32Array.from(list)));
  return items;
}

/**
 * Yields the CSV text in chunks: the header first, then rows. The
 * `summary` object is filled in as rows are produced.
 */
export function* syntheticCsv(
  options: SynthOptions,
  summary?: {
    rows: number;
    clicks: number;
    scenarios: Record<string, { rows: number; clicks: number }>;
  },
): Generator<string> {
  const o = resolveSynthOptions(options);
  const tables = new Random(o.seed, 1);
  const users = makeUsers(o.users, o.segments, tables);
  const items = makeItems(o.items, tables);
  const random = new Random(o.seed, 2);

  // Scenario s has sampling weight 1 / (1 + 0.3 s); cumulative for lookup.
  const cumulative = new Float64Array(o.scenarios);
  let total = 0;
  for (let s = 0; s < o.scenarios; s++) {
    total += 1 / (1 + 0.3 * s);
    cumulative[s] = total;
  }
  const names = Array.from({ length: o.scenarios }, (_, s) => `s${s}`);
  const counts = names.map(() => ({ rows: 0, clicks: 0 }));

  yield `${SYNTH_COLUMNS.join(",")}\n`;
  let lines: string[] = [];
  for (let row = 0; row < o.rows; row++) {
    const u = random.below(o.users);
    const population = users.population[u];
    const interest = users.interest[u];
    const draw = random.next() * total;
    let scenario = 0;
    while (cumulative[scenario] <= draw && scenario < o.scenarios - 1)
      scenario++;
    const group = scenarioGroup(scenario, o.scenarios);
    // Half of the exposures show an item of a preferred category.
    let item: number;
    if (random.next() < 0.5) {
      const preferred =
        random.next() < 0.5
          ? interest % CATEGORIES
          : (interest + 5) % CATEGORIES;
      const list = items.byCategory[preferred];
      item = list[random.below(list.length)];
    } else {
      item = random.below(o.items);
    }
    const category = items.category[item];
    const match = isPreferred(interest, category) ? 1 : 0;
    const populationSign = group === 0 ? 1 : -1;
    const priceTerm = (Math.log(items.price[item]) - 3.3) / 0.6;
    const logit =
      scenarioBase(scenario) +
      populationSign * POPULATION_EFFECT[population] +
      MATCH_EFFECT[group] * match +
      PRICE_EFFECT[group] * priceTerm +
      cellTaste(group, population, category) +
      items.quality[item] +
      users.bias[u] +
      DEVICE_EFFECT[users.device[u]];
    const click = random.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    const hour = random.below(24);
    const segA = users.segA[u];
    const segB = users.segB[u];
    counts[scenario].rows++;
    counts[scenario].clicks += click;
    lines.push(
      `${click},${names[scenario]},u${u},i${item},a${segA},b${segB},` +
        `${DEVICES[users.device[u]]},r${users.region[u]},${hour},c${category},` +
        `${users.activity[u]},${items.priceText[item]},${users.interests[u]},` +
        `${group},${population},${interest}\n`,
    );
    if (lines.length === ROWS_PER_CHUNK) {
      yield lines.join("");
      lines = [];
    }
  }
  if (lines.length > 0) yield lines.join("");
  if (summary !== undefined) {
    summary.rows = o.rows;
    summary.clicks = counts.reduce((sum, c) => sum + c.clicks, 0);
    names.forEach((name, s) => (summary.scenarios[name] = counts[s]));
  }
}
