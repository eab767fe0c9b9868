import './main.css';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import { assertNever, type ConnectionState, type RowDetail, type RowSummary, type ToWebview } from '../src/shared/protocol';
import { Toolbar, type TimeMode } from './toolbar';
import { DetailPane } from './detailPane';
import { Composer } from './composer';
import { Header } from './header';
import { HostChannel } from './hostChannel';
import { MessageList } from './messageList';

/** The inspector webview: a header, the virtualized message list and the composer. */
function main(): void {
  const app = document.getElementById('app');
  if (!app) return;
  const host = new HostChannel();
  const saved = host.getState();

  const header = new Header({
    disconnect: () => host.post({ type: 'disconnect' }),
    reconnect: () => host.post({ type: 'reconnect' }),
  });
  const detail = new DetailPane({
    copy: (text) => host.post({ type: 'copy', text }),
    openInEditor: (index) => host.post({ type: 'openInEditor', index }),
    close: () => list.select(undefined),
  });
  const list = new MessageList(
    (viewport) => {
      host.post({ type: 'viewport', ...viewport });
      host.updateState({ follow: viewport.follow });
    },
    (index) => {
      host.updateState({ selected: index });
      if (index === undefined) return detail.hide();
      detail.showLoading(index);
      host.request({ type: 'getDetail', index }).then(
        (result) => {
          if (list.selection === index) detail.show(result as RowDetail);
        },
        (err: Error) => detail.showError(err.message),
      );
    },
  );
  const composer = new Composer({
    sendText: async (text) => void (await host.request({ type: 'sendText', text })),
    sendBinary: async (encoding, data) => void (await host.request({ type: 'sendBinary', encoding, data })),
    sendFile: async () => void (await host.request({ type: 'sendFile' })),
    save: (state) => host.updateState({ composer: state }),
  });
  composer.restore(saved.composer ?? {});

  // While paused the list keeps what it shows; the newest total and rows wait here.
  let pending: { total: number; rows?: RowSummary[] } | undefined;
  let timeMode: TimeMode = 'wall';
  let cleared = 0;
  let openedAt: number | undefined;
  const applyTimeMode = () => list.setTimeOrigin(timeMode === 'relative' ? openedAt : undefined);
  const toolbar = new Toolbar({
    clear: () => host.post({ type: 'clear' }),
    pause: (paused) => {
      if (!paused && pending) {
        list.update(pending.total, pending.rows);
        pending = undefined;
        list.setFollow(list.following);
      }
    },
    timeMode: (mode) => {
      timeMode = mode;
      host.updateState({ timeMode: mode });
      applyTimeMode();
    },
  });
  const updateList = (total: number, rows: RowSummary[] | undefined) => {
    if (toolbar.isPaused) pending = { total, rows: rows ?? pending?.rows };
    else list.update(total, rows);
  };
  const setState = (state: ConnectionState) => {
    header.setState(state);
    composer.setEnabled(state.phase === 'open');
    if (state.phase === 'open') openedAt = state.since;
    applyTimeMode();
  };
  if (saved.follow === false) list.setFollow(false);
  if (saved.timeMode === 'relative') toolbar.setTimeMode('relative');
  app.append(header.element, toolbar.element, list.element, detail.element, composer.element);

  host.onMessage((message: ToWebview) => {
    switch (message.type) {
      case 'snapshot': {
        const { snapshot } = message;
        host.updateState({ url: snapshot.url });
        header.setUrl(snapshot.url, snapshot.source);
        setState(snapshot.state);
        header.setStats(snapshot.stats);
        if (snapshot.stats.cleared !== cleared) list.select(undefined);
        cleared = snapshot.stats.cleared;
        list.reset();
        pending = undefined;
        list.update(snapshot.stats.total, snapshot.rows);
        return;
      }
      case 'state':
        setState(message.state);
        return;
      case 'tick':
        header.setStats(message.stats);
        updateList(message.stats.total, message.rows);
        return;
      case 'response':
        return; // Replies are routed to their requests by HostChannel.
      default:
        assertNever(message);
    }
  });
  host.ready();
}

main();
