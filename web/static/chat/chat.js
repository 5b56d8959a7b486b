// The customer chat page. The guest entry (spec 000) and the visitor entry
// (spec 001) open it as /chat?key=…; the key is exchanged once for a web
// session, whose ccmessaging-token alone authenticates the customer API
// calls (spec 003). Every text from the server is set with textContent.
(function () {
  'use strict';

  var TEXTS = {
    zh: {
      title: '在线客服', placeholder: '请输入您的问题', send: '发送', agent: '转人工', end: '结束', again: '新会话',
      connecting: '正在连接…', robot: '智能客服为您服务', queued: '排队中', withAgent: '人工客服为您服务', ended: '会话已结束',
      queue: function (q) { return '您排在第 ' + q.position + ' 位，预计等待 ' + q.estimateWaitTime + ' 秒'; },
      rate: '请为本次服务评分：', thanks: '感谢您的评价！', me: '我',
      badKey: '链接已失效或已被使用，请从网站重新打开在线客服。', expired: '会话已过期，请从网站重新打开在线客服。',
      offline: '网络异常，正在重试…'
    },
    en: {
      title: 'Customer service', placeholder: 'Type your question', send: 'Send', agent: 'Agent', end: 'End', again: 'New chat',
      connecting: 'Connecting…', robot: 'Chatting with our assistant', queued: 'In the queue', withAgent: 'Chatting with an agent', ended: 'Conversation ended',
      queue: function (q) { return 'You are number ' + q.position + ' in the queue, about ' + q.estimateWaitTime + ' s to wait'; },
      rate: 'Please rate this conversation:', thanks: 'Thank you for your rating!', me: 'Me',
      badKey: 'This link has expired or was already used. Please open the chat again from the site.', expired: 'Your session has expired. Please open the chat again from the site.',
      offline: 'Connection problem, retrying…'
    }
  };
  // The conversation workflow's own lines (workflows/conversation/texts.go)
  // that ask for a rating and end the conversation.
  var RATE_ASK = ['请为本次服务评分', 'Please rate this conversation'];
  var CLOSED = ['会话已结束', 'The conversation has ended'];

  var STORE = 'ccflow.chat';
  var POLL_WAIT = 20;
  var QUEUE_EVERY = 5000;

  var el = function (id) { return document.getElementById(id); };
  var T = TEXTS[navigator.language && navigator.language.indexOf('en') === 0 ? 'en' : 'zh'];
  var session = null;
  var cursor = 0;
  var seen = {};
  var open = false;
  var agentJoined = false;
  var queueTimer = null;
  var pollGen = 0;

  // ---- calls ----

  function ApiError(status, desc) { this.status = status; this.desc = desc; }

  function call(method, path, body) {
    var headers = { 'ccmessaging-token': session.token };
    if (body) { headers['Content-Type'] = 'application/json'; }
    return fetch(path, { method: method, headers: headers, body: body ? JSON.stringify(body) : undefined, cache: 'no-store' })
      .then(function (res) {
        var renewed = res.headers.get('ccmessaging-token');
        if (renewed) { session.token = renewed; save(); }
        return res.json().catch(function () { return {}; }).then(function (data) {
          if (!res.ok) { throw new ApiError(res.status, data.resultDesc || ''); }
          return data;
        });
      });
  }

  function messageCode() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
  }

  function send(controlType, content) {
    return call('POST', '/apiaccess/ccmessaging/send', {
      channel: 'WEB', controlType: controlType, content: content || '', mediaType: 'TEXT', sourceType: 'CUSTOMER',
      from: session.userId, to: session.channelConfigId, senderNickname: session.userName,
      timestamp: String(Date.now()), messageCode: messageCode()
    });
  }

  // ---- session ----

  function save() { sessionStorage.setItem(STORE, JSON.stringify(session)); }

  function start() {
    var key = new URLSearchParams(location.search).get('key');
    var stored = null;
    try { stored = JSON.parse(sessionStorage.getItem(STORE) || 'null'); } catch (e) { stored = null; }
    // A reload finds the key spent: the tab's stored session carries on.
    if (stored && (!key || stored.key === key)) {
      return Promise.resolve(stored);
    }
    if (!key) { return Promise.reject(new ApiError(401, '')); }
    return fetch('/api/web/v1/session', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ key: key }), cache: 'no-store'
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok) { throw new ApiError(res.status, data.resultDesc || ''); }
        data.key = key;
        return data;
      });
    });
  }

  // ---- rendering ----

  function status(text) { el('status').textContent = text; }

  function showError(text) {
    el('error').textContent = text;
    el('error').hidden = !text;
  }

  function add(kind, who, text, suggestions) {
    var li = document.createElement('li');
    li.className = kind;
    if (who) {
      var w = document.createElement('span');
      w.className = 'who';
      w.textContent = who;
      li.appendChild(w);
    }
    var b = document.createElement('div');
    b.className = 'bubble';
    b.textContent = text;
    li.appendChild(b);
    if (suggestions && suggestions.length) {
      var s = document.createElement('div');
      s.className = 'suggestions';
      suggestions.forEach(function (q) {
        var btn = document.createElement('button');
        btn.type = 'button';
        btn.textContent = q;
        btn.addEventListener('click', function () { chat(q); });
        s.appendChild(btn);
      });
      li.appendChild(s);
    }
    el('messages').appendChild(li);
    el('messages').scrollTop = el('messages').scrollHeight;
  }

  function startsWithAny(text, prefixes) {
    return prefixes.some(function (p) { return text.indexOf(p) === 0; });
  }

  function receive(m) {
    if (seen[m.messageCode]) { return; }
    seen[m.messageCode] = true;
    var similar = [];
    try { similar = m.simQuestions ? JSON.parse(m.simQuestions) : []; } catch (e) { similar = []; }
    if (m.sourceType === 'SYSTEM') {
      add('system', '', m.content);
      if (startsWithAny(m.content, RATE_ASK)) { showRating(); }
      if (startsWithAny(m.content, CLOSED)) { ended(); } else { checkQueue(); }
      return;
    }
    if (m.sourceType === 'AGENT') {
      agentJoined = true;
      setPhase(T.withAgent);
      add('in agent', m.senderNickname, m.content);
      return;
    }
    add('in', m.senderNickname, m.content, similar);
  }

  function showProduct(p) {
    if (!p || typeof p !== 'object') { return; }
    el('product-title').textContent = p.title ? String(p.title).trim() : '';
    el('product-price').textContent = p.price ? String(p.price) : '';
    var img = el('product-img');
    if (typeof p.img === 'string' && /^https?:\/\//i.test(p.img)) { img.src = p.img; } else { img.hidden = true; }
    el('product').hidden = false;
  }

  function setPhase(text) { status(text); }

  function controls(enabled) {
    ['text', 'send', 'agent', 'end'].forEach(function (id) { el(id).disabled = !enabled; });
    el('again').hidden = enabled;
  }

  // ---- conversation ----

  function connect() {
    status(T.connecting);
    showError('');
    cursor = 0;
    return send('CONNECT').then(function (r) {
      if (r.resultCode !== '0') { showError(r.resultDesc); return; }
      open = true;
      controls(true);
      setPhase(/agent/i.test(r.resultDesc) ? T.withAgent : T.robot);
      poll(++pollGen);
      checkQueue();
    }).catch(failed);
  }

  // poll long-polls the downlink messages from the cursor; a quick empty
  // answer (a conversation that is gone) waits before the next round.
  function poll(gen) {
    if (!open || gen !== pollGen) { return; }
    var began = Date.now();
    var q = '?receiverId=' + encodeURIComponent(session.userId) + '&channel=WEB&wait=' + POLL_WAIT + '&cursor=' + cursor;
    call('GET', '/apiaccess/ccmessaging/poll' + q).then(function (r) {
      showError('');
      (r.downlinkMessages || []).forEach(receive);
      if (typeof r.cursor === 'number' && r.cursor > cursor) { cursor = r.cursor; }
      var quick = !(r.downlinkMessages || []).length && Date.now() - began < 1000;
      setTimeout(function () { poll(gen); }, quick ? 3000 : 0);
    }).catch(function (e) {
      if (e instanceof ApiError && e.status === 401) { failed(e); return; }
      showError(T.offline);
      setTimeout(function () { poll(gen); }, 3000);
    });
  }

  function chat(text) {
    text = text.trim();
    if (!text || !open) { return; }
    add('out', T.me, text);
    send('CHAT', text).then(function (r) {
      if (r.resultCode !== '0') { add('system', '', r.resultDesc); }
    }).catch(failed);
  }

  function transfer() {
    send('TRANS2AGENT').then(function (r) {
      if (r.resultCode !== '0') { add('system', '', r.resultDesc); return; }
      checkQueue();
    }).catch(failed);
  }

  // checkQueue shows the queue position while the visitor waits, every few
  // seconds until routing no longer has them queued.
  function checkQueue() {
    clearTimeout(queueTimer);
    if (!open) { return; }
    call('POST', '/apiaccess/ccmessaging/queryQueueInfo', {
      userId: session.userId, channelConfigId: session.channelConfigId, channel: 'WEB'
    }).then(function (q) {
      var queued = q.resultCode === '0';
      el('queue').hidden = !queued;
      if (!queued) { return; }
      setPhase(T.queued);
      el('queue').textContent = T.queue(q);
      queueTimer = setTimeout(checkQueue, QUEUE_EVERY);
    }).catch(function () { el('queue').hidden = true; });
  }

  function disconnect() {
    send('DISCONNECT').then(function (r) {
      if (r.resultCode !== '0') { add('system', '', r.resultDesc); return; }
      if (agentJoined) { showRating(); }
    }).catch(failed);
  }

  function ended() {
    open = false;
    clearTimeout(queueTimer);
    el('queue').hidden = true;
    setPhase(T.ended);
    controls(false);
  }

  function showRating() {
    var stars = el('stars');
    stars.textContent = '';
    [1, 2, 3, 4, 5].forEach(function (n) {
      var b = document.createElement('button');
      b.type = 'button';
      b.textContent = String(n);
      b.title = n + ' / 5';
      b.addEventListener('click', function () { rate(n); });
      stars.appendChild(b);
    });
    el('rating-label').textContent = T.rate;
    el('rating').hidden = false;
  }

  function rate(n) {
    call('POST', '/apiaccess/ccmessaging/saveSatisfaction', {
      channel: 'WEB', userId: session.userId, channelConfigId: session.channelConfigId, evaluation: String(n), comment: ''
    }).then(function (r) {
      el('rating').hidden = true;
      add('system', '', r.resultCode === '0' ? T.thanks : r.resultDesc);
    }).catch(failed);
  }

  function failed(e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
      open = false;
      controls(false);
      el('again').hidden = true;
      showError(session ? T.expired : T.badKey);
      return;
    }
    showError(e instanceof ApiError && e.desc ? e.desc : T.offline);
  }

  function applyTexts() {
    document.documentElement.lang = session && session.locale === 'en' ? 'en' : 'zh';
    el('title').textContent = session && session.tenantName ? session.tenantName + ' · ' + T.title : T.title;
    document.title = el('title').textContent;
    el('text').placeholder = T.placeholder;
    ['send', 'agent', 'end', 'again'].forEach(function (id) { el(id).textContent = T[id]; });
  }

  document.addEventListener('DOMContentLoaded', function () {
    applyTexts();
    el('composer').addEventListener('submit', function (ev) {
      ev.preventDefault();
      chat(el('text').value);
      el('text').value = '';
    });
    el('agent').addEventListener('click', transfer);
    el('end').addEventListener('click', disconnect);
    el('again').addEventListener('click', function () { el('rating').hidden = true; connect(); });
    start().then(function (s) {
      session = s;
      save();
      // The key is spent; keep it out of the address bar and the history.
      history.replaceState(null, '', '/chat');
      T = TEXTS[s.locale] || TEXTS.zh;
      applyTexts();
      showProduct(s.productCard);
      return connect();
    }).catch(failed);
  });
})();
