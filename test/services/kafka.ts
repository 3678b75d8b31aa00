// A real single-node KRaft Apache Kafka broker for the tests, without Docker: jars from Maven
// (scripts/kafka/pom.xml), run with the local Java. Reuses a broker that is already reachable.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
// Found by package.json, so this also works when compiled elsewhere (bench/dist).
import { repoRoot } from '../../src/repo-root.js';

export interface RunningService {
  url: string;
  startedHere: boolean;
  stop(): Promise<void>;
}

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

const kafkaDir = path.join(repoRoot, 'scripts', 'kafka');
const libsDir = path.join(kafkaDir, 'libs');
const classpath = path.join(libsDir, '*');
const log4jConfig = `-Dlog4j2.configurationFile=${path.join(kafkaDir, 'log4j2.properties')}`;
const execFileAsync = promisify(execFile);

const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 20_000;
const PROBE_TOPIC = '__ensure_kafka_probe';

export async function ensureKafka(options: { brokers?: string; logFile?: string } = {}): Promise<RunningService> {
  const url = options.brokers ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
  const first = url.split(',')[0]!.trim();
  const colon = first.lastIndexOf(':');
  const host = first.slice(0, colon);
  const port = Number(first.slice(colon + 1));
  if (colon < 1 || !Number.isInteger(port)) throw new Error(`ensureKafka: cannot parse broker address "${first}"`);

  if ((await tcpConnects(host, port)) && (await withTimeout(describeCluster(first), 5_000).then(() => true, () => false))) {
    return { url, startedHere: false, stop: async () => {} };
  }
  return startBroker(url, host, port, options.logFile);
}

async function startBroker(url: string, host: string, port: number, logFileOption?: string): Promise<RunningService> {
  const files = await formatStorage(host, port, logFileOption);
  const broker = await launch(files);
  return {
    url,
    startedHere: true,
    stop: async () => {
      await broker.stop();
      await rm(files.dir, { recursive: true, force: true });
    },
  };
}

export interface PrivateKafka {
  url: string;
  /** Stops the broker (SIGTERM, as an operator would), keeping its data; clients see it go away. */
  pause(): Promise<void>;
  /** Starts it again on the same port with the same data, and waits until it serves. */
  resume(): Promise<void>;
  /** Stops it for good and deletes its data. */
  stop(): Promise<void>;
}

/** A broker of the test's own on free ports, which it can take down and bring back: for outage tests. */
export async function startPrivateKafka(): Promise<PrivateKafka> {
  const host = '127.0.0.1';
  const port = await freePortPair(host);
  const files = await formatStorage(host, port);
  let broker: Broker | undefined = await launch(files);
  return {
    url: `${host}:${port}`,
    async pause() {
      await broker?.stop();
      broker = undefined;
    },
    async resume() {
      if (broker) return;
      broker = await launch(files);
    },
    async stop() {
      await broker?.stop();
      broker = undefined;
      await rm(files.dir, { recursive: true, force: true });
    },
  };
}

interface BrokerFiles {
  dir: string;
  dataDir: string;
  logFile: string;
  propertiesFile: string;
  clusterId: string;
  host: string;
  port: number;
}

interface Broker {
  stop(): Promise<void>;
}

/** Writes the broker's configuration into a new temporary folder and formats its (KRaft) storage. */
async function formatStorage(host: string, port: number, logFileOption?: string): Promise<BrokerFiles> {
  await ensureJars();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'attrib-kafka-'));
  const dataDir = path.join(dir, 'data');
  const logFile = logFileOption ?? path.join(dir, 'broker.log');
  const propertiesFile = path.join(dir, 'server.properties');
  await writeFile(propertiesFile, serverProperties(host, port, dataDir));
  const clusterId = newClusterId();

  const formatted = await execFileAsync(
    'java',
    ['-cp', classpath, log4jConfig, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', propertiesFile],
    { timeout: 60_000 },
  ).catch((error: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`Kafka storage format failed (${dir}): ${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  });
  await writeFile(logFile, formatted.stdout + formatted.stderr);
  return { dir, dataDir, logFile, propertiesFile, clusterId, host, port };
}

/** Runs the broker over formatted storage and waits until it serves; its output is appended to the log file. */
async function launch(files: BrokerFiles): Promise<Broker> {
  const logFd = openSync(files.logFile, 'a');
  const child = spawn('java', ['-Xms256m', '-Xmx512m', '-cp', classpath, log4jConfig, 'kafka.Kafka', files.propertiesFile], {
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = `exited with ${signal ?? `code ${code}`}`;
      resolve();
    });
    child.once('error', (error) => {
      exited = `could not run: ${error.message}`;
      resolve();
    });
  });
  // Safety net if the test process exits without calling stop().
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killOnExit);
    if (exited === undefined) {
      child.kill('SIGTERM');
      if (!(await withTimeout(exit, STOP_TIMEOUT_MS).then(() => true, () => false))) {
        child.kill('SIGKILL');
        await exit;
      }
    }
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (await withTimeout(brokerServes(`${files.host}:${files.port}`, files.clusterId), 15_000).then(() => true, () => false)) {
      return { stop };
    }
    if (exited !== undefined || Date.now() > deadline) {
      const why = exited ? `broker ${exited}` : `broker not ready after ${START_TIMEOUT_MS / 1000} s`;
      const tail = await logTail(files.logFile);
      process.off('exit', killOnExit);
      child.kill('SIGKILL');
      await exit;
      await rm(files.dataDir, { recursive: true, force: true }); // keep the log for inspection
      throw new Error(`Kafka did not start: ${why}. Broker log: ${files.logFile}\n${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** A port free for the broker whose next port is free too (the controller listens there). */
async function freePortPair(host: string): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, host, () => {
        const { port: taken } = server.address() as net.AddressInfo;
        server.close(() => resolve(taken));
      });
    });
    if (port < 65535 && !(await tcpConnects(host, port + 1))) return port;
  }
  throw new Error('no pair of adjacent free ports found');
}

/** Fetches the broker's jars from Maven (cached in ~/.m2) unless scripts/kafka/libs already has them. */
async function ensureJars(): Promise<void> {
  const present = await readdir(libsDir).then((files) => files.length > 0, () => false);
  if (present) return;
  await execFileAsync(
    'mvn',
    ['-q', '-B', '-f', path.join(kafkaDir, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${libsDir}`, '-DincludeScope=runtime'],
    { cwd: repoRoot, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
  ).catch((error: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`Fetching Kafka jars with Maven failed: ${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  });
}

function serverProperties(host: string, port: number, dataDir: string): string {
  const controllerPort = port + 1;
  return `${[
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${host}:${controllerPort}`,
    `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://${host}:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${dataDir}`,
    // Internal topics default to replication factor 3, impossible on one node ("group coordinator is not available").
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'offsets.topic.num.partitions=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=true',
    'num.partitions=1',
  ].join('\n')}\n`;
}

/** Same format as Kafka's Uuid.randomUuid (16 random bytes, unpadded base64url), without a JVM start. */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id; // a leading '-' would read as a command-line flag
  }
}

function admin(broker: string) {
  return new Kafka({
    clientId: 'ensure-kafka',
    brokers: [broker],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    requestTimeout: 5_000,
    retry: { retries: 0 },
  }).admin();
}

async function describeCluster(broker: string): Promise<void> {
  const client = admin(broker);
  try {
    await client.connect();
    await client.describeCluster();
  } finally {
    await client.disconnect().catch(() => {});
  }
}

/**
 * Ready means our cluster (not another broker that won a race for the port) answers and can create
 * a topic whose partition has a leader.
 */
async function brokerServes(broker: string, expectedClusterId: string): Promise<void> {
  const client = admin(broker);
  try {
    await client.connect();
    const { clusterId } = await client.describeCluster();
    if (clusterId !== expectedClusterId) throw new Error(`another Kafka cluster (${clusterId}) answers`);
    await client.createTopics({ topics: [{ topic: PROBE_TOPIC, numPartitions: 1 }], waitForLeaders: false });
    const { topics } = await client.fetchTopicMetadata({ topics: [PROBE_TOPIC] });
    const leader = topics[0]?.partitions[0]?.leader ?? -1;
    if (leader < 0) throw new Error('probe topic has no leader yet');
  } finally {
    await client.disconnect().catch(() => {});
  }
}

function tcpConnects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1_000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function logTail(logFile: string, lines = 40): Promise<string> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines - 1).join('\n');
}
