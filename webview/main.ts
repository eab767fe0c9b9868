import './main.css';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import {
  assertNever,
  type ConnectionState,
  type ProtocolInfo,
  type RowDetail,
  type RowSummary,
  type StatsSnapshot,
  type ToWebview,
} from '../src/shared/protocol';
import { Toolbar, type TimeMode, type View } from './toolbar';
import { HandshakeView } from './handshakeView';
import { StatsView } from './statsView';
import { DetailPane } from './detailPane';
import { FilterBar } from './filterBar';
import { Composer } from './composer';
import { Header } from './header';
import { HostChannel } from './hostChannel';
import { MessageList } from './messageList';
import { ProtocolPicker } from './protocolPicker';

/** The inspector webview: a header, the virtualized message list and the composer. */
function main(): void {
  const app = document.getElementById('app');
  if (!app) return;
  const host = new HostChannel();
  const saved = host.getState();

  const header = new Header({
    disconnect: () => host.post({ type: 'disconnect' }),
    reconnect: () => host.post({ type: 'reconnect' }),
    replay: () => host.post({ type: 'replay' }),
    copy: (text) => host.post({ type: 'copy', text }),
  });
  const detail = new DetailPane({
    copy: (text) => host.post({ type: 'copy', text }),
    openInEditor: (index) => host.post({ type: 'openInEditor', index }),
    readPayloadsAs: (choice) => host.post({ type: 'setPayloads', choice }),
    close: () => {
      list.select(undefined);
      list.focus();
    },
  });
  const list = new MessageList(
    (viewport) => {
      host.post({ type: 'viewport', ...viewport });
      host.updateState({ follow: viewport.follow, scrollStart: viewport.follow ? undefined : viewport.start });
    },
    (position) => {
      host.updateState({ selected: position });
      if (position === undefined) return detail.hide();
      detail.showLoading();
      host.request({ type: 'getDetail', position }).then(
        (result) => {
          if (list.selection === position) detail.show(result as RowDetail);
        },
        (err: Error) => detail.showError(err.message),
      );
    },
  );
  const composer = new Composer({
    sendText: async (text) => void (await host.request({ type: 'sendText', text })),
    sendBinary: async (encoding, data) => void (await host.request({ type: 'sendBinary', encoding, data })),
    sendEncoded: async (encoder, text, dryRun) =>
      (await host.request({ type: 'sendEncoded', encoder, text, dryRun })) as number,
    sendFile: async () => void (await host.request({ type: 'sendFile' })),
    ping: async (payload) => (await host.request({ type: 'ping', payload })) as number,
    closeWith: async (code, reason) => void (await host.request({ type: 'closeWith', code, reason })),
    compose: async (action, values) => (await host.request({ type: 'compose', action, values })) as string | undefined,
    save: (state) => host.updateState({ composer: state }),
  });
  composer.restore(saved.composer ?? {});

  // While paused the list keeps what it shows; the newest total and rows wait here.
  let pending: { total: number; rows?: RowSummary[]; rowsStart?: number } | undefined;
  let timeMode: TimeMode = 'wall';
  let cleared = 0;
  // Selection and scroll position come back once, with the first snapshot after a reload or a hide.
  let restoreView = true;
  let openedAt: number | undefined;
  const applyTimeMode = () => list.setTimeOrigin(timeMode === 'relative' ? openedAt : undefined);
  const handshakeView = new HandshakeView();
  let listMode: 'messages' | 'frames' = 'messages';
  const statsView = new StatsView({
    load: async () => (await host.request({ type: 'getStats' })) as StatsSnapshot,
    reveal: (time) =>
      void host.request({ type: 'revealTime', time }).then((position) => {
        toolbar.setView('messages');
        if (typeof position !== 'number') return;
        list.setFollow(false);
        list.select(position);
      }),
  });
  const showView = (view: View) => {
    // The filter and its count work on the list: the Handshake and Stats tabs have none.
    const details = view === 'handshake' || view === 'stats';
    list.element.hidden = details;
    filterBar.element.hidden = details;
    if (details) detail.element.hidden = true;
    else if (list.selection !== undefined) detail.element.hidden = false;
    handshakeView.show(view === 'handshake');
    statsView.show(view === 'stats');
    host.updateState({ view });
    if (!details && view !== listMode) {
      listMode = view;
      list.select(undefined);
      list.reset();
      host.post({ type: 'setListMode', mode: view });
    }
  };
  const toolbar = new Toolbar({
    view: showView,
    clear: () => host.post({ type: 'clear' }),
    pause: (paused) => {
      if (!paused && pending) {
        list.update(pending.total, pending.rows, pending.rowsStart);
        pending = undefined;
        list.setFollow(list.following);
      }
    },
    timeMode: (mode) => {
      timeMode = mode;
      host.updateState({ timeMode: mode });
      applyTimeMode();
    },
    columns: (hidden) => {
      list.setHiddenColumns(hidden);
      host.updateState({ hiddenColumns: hidden });
    },
  });
  if (saved.hiddenColumns?.length) toolbar.setHiddenColumns(saved.hiddenColumns);
  const filterBar = new FilterBar((query) => {
    host.updateState({ filter: query });
    list.select(undefined);
    host.post({ type: 'setFilter', query });
  });
  filterBar.restore(saved.filter);
  const picker = new ProtocolPicker(
    (choice) => host.post({ type: 'setDecoder', choice }),
    (choice) => host.post({ type: 'setPayloads', choice }),
  );
  toolbar.start.append(filterBar.element);
  header.addLine(picker.element);
  const showProtocol = (info: ProtocolInfo | undefined) => {
    if (!info) return;
    picker.show(info);
    composer.setProtocol(info.label, info.actions);
    composer.setEncoders(info.payloads.encoders);
    list.setProtocolColumns(!!info.id && info.choice !== 'raw');
    // Folding is offered while a protocol decodes; the query changes with it.
    if (filterBar.setKeepalives(!!info.id && info.choice !== 'raw')) {
      const query = filterBar.query();
      host.updateState({ filter: query });
      host.post({ type: 'setFilter', query });
    }
  };
  document.addEventListener('keydown', (e) => {
    const target = e.target as HTMLElement;
    const typing = target.closest('input, textarea, select, vscode-textarea');
    if (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      filterBar.focus();
    }
  });
  const updateList = (total: number, rows: RowSummary[] | undefined, rowsStart: number | undefined) => {
    if (toolbar.isPaused) pending = rows ? { total, rows, rowsStart } : { ...pending, total };
    else list.update(total, rows, rowsStart);
  };
  // A recording is read-only: no composer, until a replay opens a live connection in the panel.
  let readOnly = false;
  let phase: ConnectionState['phase'] = 'idle';
  const showComposer = () => {
    composer.element.hidden = readOnly && phase !== 'open';
  };
  const setState = (state: ConnectionState) => {
    header.setState(state);
    phase = state.phase;
    showComposer();
    composer.setEnabled(state.phase === 'open');
    if (state.phase === 'open') openedAt = state.since;
    applyTimeMode();
  };
  if (saved.follow === false) list.setFollow(false);
  if (saved.timeMode === 'relative') toolbar.setTimeMode('relative');
  app.append(
    header.element,
    toolbar.element,
    list.element,
    handshakeView.element,
    statsView.element,
    detail.element,
    composer.element,
  );
  if (saved.view && saved.view !== 'messages') toolbar.setView(saved.view);

  host.onMessage((message: ToWebview) => {
    switch (message.type) {
      case 'snapshot': {
        const { snapshot } = message;
        host.updateState({ url: snapshot.url });
        header.setUrl(snapshot.url, snapshot.source);
        header.setScript(snapshot.script);
        header.setRecording(snapshot.recording);
        readOnly = !!snapshot.recording;
        if (snapshot.recording?.file) host.updateState({ recordingFile: snapshot.recording.file });
        if (snapshot.recordedTo) host.updateState({ recordedTo: snapshot.recordedTo });
        setState(snapshot.state);
        header.setStats(snapshot.stats);
        if (snapshot.stats.cleared !== cleared) list.select(undefined);
        cleared = snapshot.stats.cleared;
        list.reset();
        pending = undefined;
        listMode = snapshot.listMode;
        showProtocol(snapshot.protocol);
        handshakeView.setHandshake(snapshot.handshake);
        handshakeView.setWire(snapshot.wire);
        handshakeView.setHealth(snapshot.health);
        header.setHealth(snapshot.health);
        const { length } = snapshot;
        if (snapshot.listMode === 'frames') filterBar.setStatus(undefined, length, 'frames');
        else filterBar.setStatus(snapshot.filter, snapshot.stats.total);
        list.update(length, snapshot.rows, snapshot.rowsStart);
        if (restoreView) {
          restoreView = false;
          if (saved.follow === false && saved.scrollStart !== undefined && saved.scrollStart < length)
            list.scrollToRow(saved.scrollStart);
          if (saved.selected !== undefined && saved.selected < length) list.select(saved.selected);
        }
        return;
      }
      case 'state':
        setState(message.state);
        return;
      case 'tick':
        header.setStats(message.stats);
        handshakeView.setWire(message.wire);
        if (message.listMode === 'frames') filterBar.setStatus(undefined, message.length, 'frames');
        else filterBar.setStatus(message.filter, message.stats.total);
        updateList(message.length, message.rows, message.rowsStart);
        return;
      case 'script':
        header.setScript(message.script);
        return;
      case 'protocol':
        showProtocol(message.protocol);
        return;
      case 'handshake':
        handshakeView.setHandshake(message.handshake);
        return;
      case 'health':
        handshakeView.setHealth(message.health);
        header.setHealth(message.health);
        return;
      case 'recordedTo':
        host.updateState({ recordedTo: message.file });
        return;
      case 'source':
        header.setUrl(message.url, message.source);
        host.updateState({ url: message.url });
        return;
      case 'response':
        return; // Replies are routed to their requests by HostChannel.
      case 'requestProgress':
        return; // The host channel keeps the request's time bound.
      default:
        assertNever(message);
    }
  });
  host.ready();
  // A filter kept from before a reload applies again once the host listens.
  if (saved.filter) host.post({ type: 'setFilter', query: saved.filter });
}

main();
