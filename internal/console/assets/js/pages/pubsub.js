// Pub/Sub: subscribe to channels and patterns (messages arrive as
// Server-Sent Events) and publish messages.

import { h, clear, fmtNum, fmtClock, toast, tryJSON } from '../dom.js';
import { get, post, stream } from '../api.js';

const MAX_MESSAGES = 1000;

export function mount(root) {
  const channels = h('input', { id: 'sub-channels', placeholder: 'channels, comma-separated', spellcheck: 'false', 'aria-label': 'Channels' });
  const patterns = h('input', { id: 'sub-patterns', placeholder: 'patterns, e.g. notifications:*', spellcheck: 'false', 'aria-label': 'Patterns' });
  const subBtn = h('button', { class: 'btn primary', type: 'submit', id: 'subscribe', text: 'Subscribe' });
  const state = h('span', { class: 'pill', 'data-testid': 'sub-state', text: 'not subscribed' });
  const msgs = h('tbody');
  const msgCount = h('span', { class: 'muted small' });
  const subForm = h('form', { class: 'toolbar' }, channels, patterns, subBtn);

  const pubChannel = h('input', { id: 'pub-channel', placeholder: 'channel', spellcheck: 'false', 'aria-label': 'Channel' });
  const pubMessage = h('textarea', { id: 'pub-message', rows: 4, placeholder: 'message', 'aria-label': 'Message' });
  const pubResult = h('div', { class: 'muted small', 'data-testid': 'pub-result' });
  const pubForm = h('form', { class: 'form' }, h('label', null, h('span', { text: 'Channel' }), pubChannel), h('label', null, h('span', { text: 'Message' }), pubMessage),
    h('div', { class: 'modal-actions' }, pubResult, h('div', { class: 'grow' }), h('button', { class: 'btn primary', type: 'submit', id: 'publish', text: 'Publish' })));

  const active = h('div', { class: 'channel-list' });

  root.append(
    h('header', { class: 'page-head' }, h('h1', { text: 'Pub/Sub' })),
    h('div', { class: 'two-col' },
      h('section', { class: 'panel' },
        h('div', { class: 'panel-head' }, h('h2', { text: 'Subscribe' }), state, h('div', { class: 'grow' }), msgCount,
          h('button', { class: 'btn small', text: 'Clear', onclick: () => { clear(msgs); n = 0; counter(); } })),
        subForm,
        h('div', { class: 'scroll-box' }, h('table', { class: 'table data', 'data-testid': 'messages' },
          h('thead', null, h('tr', null, ['Time', 'Channel', 'Message'].map((t) => h('th', { text: t })))), msgs))),
      h('div', { class: 'col' },
        h('section', { class: 'panel' }, h('div', { class: 'panel-head' }, h('h2', { text: 'Publish' })), pubForm),
        h('section', { class: 'panel' }, h('div', { class: 'panel-head' }, h('h2', { text: 'Active channels' }), h('div', { class: 'grow' }),
          h('button', { class: 'btn small', text: 'Refresh', onclick: loadChannels })), active))));

  let es = null;
  let n = 0;
  const counter = () => { msgCount.textContent = fmtNum(n) + ' messages'; };

  function stop() {
    if (es) { es.close(); es = null; }
    state.textContent = 'not subscribed';
    state.classList.remove('live');
    subBtn.textContent = 'Subscribe';
    subBtn.classList.replace('danger', 'primary');
    channels.disabled = patterns.disabled = false;
  }

  subForm.addEventListener('submit', (e) => {
    e.preventDefault();
    if (es) { stop(); return; }
    if (!channels.value.trim() && !patterns.value.trim()) { toast('Name a channel or a pattern', 'error'); return; }
    es = stream('/api/pubsub/subscribe', { channels: channels.value, patterns: patterns.value });
    state.textContent = 'connecting…';
    subBtn.textContent = 'Unsubscribe';
    subBtn.classList.replace('primary', 'danger');
    channels.disabled = patterns.disabled = true;
    es.addEventListener('started', () => { state.textContent = 'subscribed'; state.classList.add('live'); loadChannels(); });
    es.addEventListener('failure', (ev) => { toast(JSON.parse(ev.data).error, 'error'); stop(); });
    es.addEventListener('end', (ev) => { toast('Subscription ended: ' + JSON.parse(ev.data).reason, 'error'); stop(); });
    es.addEventListener('message', (ev) => {
      const m = JSON.parse(ev.data);
      const pretty = tryJSON(m.payload.s);
      msgs.prepend(h('tr', null, h('td', { class: 'nowrap mono small', text: fmtClock(m.t) }),
        h('td', { class: 'mono' }, m.channel.s, m.pattern ? h('span', { class: 'muted small', text: ' via ' + m.pattern }) : null),
        h('td', { class: 'mono val', text: pretty ? JSON.stringify(JSON.parse(m.payload.s)) : m.payload.s })));
      while (msgs.childElementCount > MAX_MESSAGES) msgs.lastChild.remove();
      n++;
      counter();
    });
    es.onerror = () => { if (es) { toast('The subscription stream closed', 'error'); stop(); } };
  });

  pubForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!pubChannel.value) { toast('Name a channel', 'error'); return; }
    try {
      const r = await post('/api/pubsub/publish', { channel: pubChannel.value, message: pubMessage.value });
      pubResult.textContent = 'Delivered to ' + r.receivers + ' subscriber' + (r.receivers === 1 ? '' : 's');
    } catch (x) {
      pubResult.textContent = x.message;
      toast(x.message, 'error');
    }
  });

  async function loadChannels() {
    try {
      const r = await get('/api/pubsub/channels');
      clear(active);
      if (!r.channels.length) active.append(h('div', { class: 'empty small', text: 'No channel has subscribers.' }));
      for (const c of r.channels) {
        active.append(h('div', { class: 'channel-row' }, h('span', { class: 'mono', text: c.channel.s }),
          h('span', { class: 'muted small', text: fmtNum(c.subscribers) + ' subscriber' + (c.subscribers === 1 ? '' : 's') })));
      }
      active.append(h('div', { class: 'muted small', text: fmtNum(r.patterns) + ' pattern subscriptions' }));
    } catch (x) {
      clear(active).append(h('div', { class: 'error-box', text: x.message }));
    }
  }
  loadChannels();
  counter();
  return () => stop();
}
