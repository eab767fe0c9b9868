import * as vscode from 'vscode';
import type { TransportOptions } from '../../core/transport';
import { compareAnswers, readIgnorePaths } from '../../core/sessions/compare';
import { differenceLine } from '../../core/sessions/compareText';
import type { SessionHistory } from '../../core/sessions/history';
import { replaySession, type ReplayTiming } from '../../core/sessions/replay';
import { checkWebSocketUrl, shortTitle } from '../../core/url';
import { InspectorPanel, type InspectorEnv } from '../inspectorPanel';
import { labelFor, loadShown, pickSession, type Target } from './pick';

/** What a caller (a test, another extension) may fix in advance instead of being asked. */
export interface ReplayPreset {
  url?: string;
  timing?: 'original' | 'fast' | 'step';
}

/** **Replay…** and **Replay and Compare…**: the prompts, the run, and the comparison as notes. */
export class ReplayUi {
  constructor(
    private readonly history: SessionHistory,
    private readonly env: () => InspectorEnv,
    private readonly track: (panel: InspectorPanel) => InspectorPanel,
    private readonly log: vscode.LogOutputChannel,
    /** The connection options the settings give for a URL (TLS, proxy…). */
    private readonly connectionOptions: (url: string) => TransportOptions,
  ) {}

  /** Replays the recording in a panel, optionally comparing the answers with the recorded ones. */
  async replay(target: Target | InspectorPanel, compare: boolean, preset: ReplayPreset = {}): Promise<boolean> {
    let panel = target instanceof InspectorPanel ? target : undefined;
    let session = panel?.recorded;
    if (!panel) {
      const uri = await pickSession(this.history, target as Target, compare ? 'Replay and Compare' : 'Replay');
      if (!uri) return false;
      session = await loadShown(uri);
      if (!session) return false;
      panel = this.track(InspectorPanel.openRecording(this.env(), session, labelFor(uri, session)));
    }
    if (!session) return false;
    // A bad setting is said before anything is sent, naming the setting and its value.
    const ignoreSetting = compare
      ? readIgnorePaths(
          vscode.workspace.getConfiguration('websocketInspector.replay').get('ignorePaths'),
          'websocketInspector.replay.ignorePaths',
        )
      : { paths: [] };
    if ('error' in ignoreSetting) throw new Error(ignoreSetting.error);
    const ignore = ignoreSetting.paths;
    const url =
      preset.url ??
      (await vscode.window.showInputBox({
        title: 'Replay against',
        prompt: 'The recorded URL, or another one (e.g. staging instead of production)',
        value: session.header.url,
        validateInput: (v) => {
          const check = checkWebSocketUrl(v);
          return check.ok ? undefined : check.message;
        },
      }));
    if (!url) return false;
    const timing = preset.timing ? presetTiming(preset.timing) : await pickTiming();
    if (!timing) return false;
    // The recording keeps no TLS or proxy settings: the replay reaches the server as a connection would.
    const replay = replaySession(session, {
      url,
      timing: timing.timing,
      waitForAnswers: timing.waitForAnswers,
      transport: this.connectionOptions(url),
    });
    panel.adopt(replay.connection, `Replay against ${url} (${timing.label})`);
    panel.reveal();
    if (timing.timing === 'step') void this.stepThrough(replay);
    const result = await replay.result;
    for (const notice of result.notices) panel.note('info', notice);
    if (!result.ok) {
      panel.note('error', `Replay stopped: ${result.error ?? 'the connection ended'}`);
      // The panel shows it; a notification would sit over the panel's Send button.
      vscode.window.setStatusBarMessage(
        `$(error) Replay of ${shortTitle(session.header.url)} failed: ${result.error ?? 'the connection ended'}`,
        15000,
      );
      return false;
    }
    if (!compare) {
      panel.note('info', `Replay finished: ${result.sent} messages sent, ${result.live.length} received.`);
      return true;
    }
    const comparison = compareAnswers(result.recorded, result.live, { ignore, decode: result.decode });
    const { matched, mismatched, missing, extra } = comparison.summary;
    const summary = `Compare: ${matched} matched, ${mismatched} differed, ${missing} missing, ${extra} extra${ignore.length ? ` (ignoring ${ignore.join(', ')})` : ''}.`;
    panel.note(comparison.equal ? 'info' : 'error', summary);
    for (const m of comparison.differences) panel.note('error', differenceLine(m));
    this.log.info(summary);
    // In the status bar: the panel lists the result, and a notification would cover its Send button.
    vscode.window.setStatusBarMessage(
      comparison.equal ? `✓ ${summary}` : `✗ ${summary} The differences are listed in the inspector.`,
      15000,
    );
    return comparison.equal;
  }

  private async stepThrough(replay: { next(): boolean; stop(): void; result: Promise<unknown> }): Promise<void> {
    let done = false;
    void replay.result.then(() => (done = true));
    let sent = 0;
    while (!done) {
      const choice = await vscode.window.showInformationMessage(
        `Replay step by step: ${sent} sent.`,
        'Send Next',
        'Stop',
      );
      if (choice !== 'Send Next') {
        replay.stop();
        return;
      }
      if (!replay.next()) return;
      sent++;
    }
  }
}

function presetTiming(timing: NonNullable<ReplayPreset['timing']>): {
  timing: ReplayTiming;
  waitForAnswers: boolean;
  label: string;
} {
  if (timing === 'fast')
    return { timing: { speed: 1e6 }, waitForAnswers: true, label: 'as fast as possible, waiting for answers' };
  if (timing === 'step') return { timing: 'step', waitForAnswers: false, label: 'step by step' };
  return { timing: 'original', waitForAnswers: true, label: 'original timing, waiting for answers' };
}

async function pickTiming(): Promise<{ timing: ReplayTiming; waitForAnswers: boolean; label: string } | undefined> {
  const choice = await vscode.window.showQuickPick(
    [
      { label: 'Original timing, waiting for answers', timing: 'original' as ReplayTiming, waitForAnswers: true },
      { label: 'Original timing', timing: 'original' as ReplayTiming, waitForAnswers: false },
      { label: '10× faster, waiting for answers', timing: { speed: 10 } as ReplayTiming, waitForAnswers: true },
      {
        label: 'As fast as possible, waiting for answers',
        timing: { speed: 1e6 } as ReplayTiming,
        waitForAnswers: true,
      },
      { label: 'Speed factor…', timing: 'ask' as const, waitForAnswers: true },
      { label: 'Step by step', timing: 'step' as ReplayTiming, waitForAnswers: false },
    ],
    { title: 'How should the messages be sent?' },
  );
  if (!choice) return undefined;
  if (choice.timing === 'ask') {
    const text = await vscode.window.showInputBox({
      title: 'Replay speed',
      prompt: 'How many times faster than recorded (0.5 is half speed)',
      value: '2',
      validateInput: (v) =>
        Number(v) > 0 && Number.isFinite(Number(v)) ? undefined : 'A number above 0, e.g. 2 or 0.5',
    });
    if (!text) return undefined;
    return { timing: { speed: Number(text) }, waitForAnswers: true, label: `${text}× speed, waiting for answers` };
  }
  return { timing: choice.timing, waitForAnswers: choice.waitForAnswers, label: choice.label.toLowerCase() };
}
