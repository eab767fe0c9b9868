import './main.css';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import { assertNever, type RowDetail, type ToWebview } from '../src/shared/protocol';
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
  const composer = new Composer(
    async (text) => {
      await host.request({ type: 'sendText', text });
    },
    (draft) => host.updateState({ draft }),
  );
  if (saved.draft) composer.setDraft(saved.draft);
  if (saved.follow === false) list.setFollow(false);
  app.append(header.element, list.element, detail.element, composer.element);

  host.onMessage((message: ToWebview) => {
    switch (message.type) {
      case 'snapshot': {
        const { snapshot } = message;
        host.updateState({ url: snapshot.url });
        header.setUrl(snapshot.url, snapshot.source);
        header.setState(snapshot.state);
        header.setStats(snapshot.stats);
        composer.setEnabled(snapshot.state.phase === 'open');
        list.reset();
        list.update(snapshot.stats.total, snapshot.rows);
        return;
      }
      case 'state':
        header.setState(message.state);
        composer.setEnabled(message.state.phase === 'open');
        return;
      case 'tick':
        header.setStats(message.stats);
        list.update(message.stats.total, message.rows);
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
