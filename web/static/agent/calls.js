// Click-to-call in the agent console. The agent's ringing and connected
// calls come from GET /api/agent/v1/calls (read every second while logged
// in, so a reloaded console shows them again); a ringing call can be
// accepted or rejected, a connected one muted and hung up, with its
// duration. Accepting waits for the visitor's WebRTC offer, answers it
// (complete, with this side's ICE candidates) and plays the visitor's audio;
// a video call (the call's mediaType, from createClickToCall's mediaAbility
// 1) also sends the agent's camera and shows the visitor's video.
// The media of a connected call does not survive a reload: the console then
// shows the call and can hang it up.
// A video call falls back rather than fails: without a usable camera here
// (getUserMedia with video rejected) the agent sends audio alone and still
// sees the visitor; a visitor without one sent an offer without video, and
// the call is audio-only. Either is said on screen. During a video call a
// button turns the agent's camera off and on (the track's enabled).

const BASE = '/api/agent/v1/calls';
const en = (navigator.language || '').indexOf('en') === 0;
const T = en
  ? { ringing: 'Incoming call from', ringingVideo: 'Incoming video call from', accept: 'Accept', reject: 'Reject', hangup: 'Hang up', mute: 'Mute', unmute: 'Unmute', talking: 'In call with', ended: 'Call ended', cameraOff: 'Camera off', cameraOn: 'Camera on', noCamera: 'No camera available: the visitor hears you but does not see you', visitorNoCamera: 'The visitor has no camera: this is an audio-only call' }
  : { ringing: '来电：', ringingVideo: '视频来电：', accept: '接听', reject: '拒接', hangup: '挂断', mute: '静音', unmute: '取消静音', talking: '通话中：', ended: '通话已结束', cameraOff: '关闭摄像头', cameraOn: '打开摄像头', noCamera: '未能使用摄像头，访客只能听到您的声音', visitorNoCamera: '访客没有可用的摄像头，已改为语音通话' };

const state = { calls: [], pc: null, stream: null, callId: '', muted: false, cameraOff: false, notice: '' };
window.ccflowAgentCall = state; // for the browser tests: getStats() of state.pc

function csrf() {
  const m = document.cookie.match(/(?:^|;\s*)ccflow_agent_csrf=([0-9a-f]+)/);
  return m ? m[1] : '';
}

function api(method, path, body) {
  const headers = {};
  if (method !== 'GET') { headers['X-CSRF-Token'] = csrf(); }
  if (body) { headers['Content-Type'] = 'application/json'; }
  return fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined, cache: 'no-store', credentials: 'same-origin' })
    .then((res) => res.json().catch(() => ({})).then((data) => ({ status: res.status, data })));
}

let panel, audio, videos, remoteVideo, localVideo;

// videoElement is a video call's <video>, playing as it gets a stream.
function videoElement(id, muted) {
  const v = document.createElement('video');
  v.id = id; v.autoplay = true; v.playsInline = true;
  // The local preview is muted: the agent must not hear themselves.
  v.muted = muted; v.defaultMuted = muted;
  return v;
}

function button(id, text, onClick) {
  const b = document.createElement('button');
  b.type = 'button'; b.id = id; b.textContent = text;
  b.addEventListener('click', onClick);
  return b;
}

function render() {
  panel.replaceChildren();
  const live = state.calls.filter((c) => c.state === 'RINGING' || c.state === 'CONNECTED');
  panel.hidden = live.length === 0 && !panel.dataset.note;
  if (panel.dataset.note && live.length === 0) {
    const p = document.createElement('span'); p.id = 'call-note'; p.textContent = panel.dataset.note;
    panel.append(p);
  }
  for (const c of live) {
    const row = document.createElement('div');
    row.className = 'call'; row.dataset.callId = c.id; row.dataset.state = c.state; row.dataset.media = c.mediaType;
    const label = document.createElement('span');
    label.className = 'call-label';
    if (c.state === 'RINGING') {
      label.textContent = (c.mediaType === 'video' ? T.ringingVideo : T.ringing) + ' ' + c.userId;
      row.append(label, button('call-accept', T.accept, () => accept(c.id)), button('call-reject', T.reject, () => act(c.id, 'reject')));
    } else {
      const s = c.connectedAt ? Math.max(0, Math.floor((Date.now() - Date.parse(c.connectedAt)) / 1000)) : 0;
      label.textContent = T.talking + ' ' + c.userId;
      const clock = document.createElement('span');
      clock.id = 'call-time'; clock.textContent = Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
      const mute = button('call-mute', state.muted ? T.unmute : T.mute, () => {
        state.muted = !state.muted;
        if (state.stream) { state.stream.getAudioTracks().forEach((t) => { t.enabled = !state.muted; }); }
        render();
      });
      row.append(label, clock, mute);
      if (c.id === state.callId && cameraTracks().length > 0) {
        const camera = button('call-camera', state.cameraOff ? T.cameraOn : T.cameraOff, () => {
          state.cameraOff = !state.cameraOff;
          cameraTracks().forEach((t) => { t.enabled = !state.cameraOff; });
          render();
        });
        camera.setAttribute('aria-pressed', String(state.cameraOff));
        camera.dataset.camera = state.cameraOff ? 'off' : 'on';
        row.append(camera);
      }
      row.append(button('call-hangup', T.hangup, () => act(c.id, 'hangup')));
      if (c.id === state.callId && state.notice) {
        const n = document.createElement('span'); n.id = 'call-notice'; n.setAttribute('role', 'status'); n.textContent = state.notice;
        row.append(n);
      }
    }
    panel.append(row);
  }
}

// cameraTracks are the camera's tracks the console sends (none in an audio
// call, or without a camera).
function cameraTracks() {
  return state.stream ? state.stream.getVideoTracks() : [];
}

// noCamera tells a getUserMedia refusal a camera may be behind: none
// there, permission refused, or busy elsewhere.
function noCamera(err) {
  return ['NotFoundError', 'NotAllowedError', 'NotReadableError', 'OverconstrainedError', 'AbortError'].includes(err && err.name);
}

// localMedia is the microphone, and the camera for a video call if it can
// be had: without one the agent answers with audio alone.
async function localMedia(video) {
  if (!video) { return navigator.mediaDevices.getUserMedia({ audio: true, video: false }); }
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  } catch (err) {
    if (!noCamera(err)) { throw err; }
    state.notice = T.noCamera;
    return navigator.mediaDevices.getUserMedia({ audio: true, video: false });
  }
}

function act(id, what) {
  return api('POST', BASE + '/' + encodeURIComponent(id) + '/' + what).then(refresh);
}

function gathered(pc) {
  if (pc.iceGatheringState === 'complete') { return Promise.resolve(); }
  return new Promise((ok) => {
    pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') { ok(); } });
  });
}

async function accept(id) {
  const r = await api('POST', BASE + '/' + encodeURIComponent(id) + '/accept');
  await refresh();
  if (r.status !== 200) { return; }
  state.callId = id; state.cameraOff = false; state.notice = '';
  let c = {};
  for (let i = 0; i < 30 && state.callId === id; i++) {
    c = (await api('GET', BASE + '/' + encodeURIComponent(id) + '?wait=20')).data;
    if (c.offer || c.endedAt || !c.id) { break; }
  }
  if (!c.offer || state.callId !== id) { return; }
  const pc = new RTCPeerConnection({ iceServers: c.iceServers || [], iceTransportPolicy: c.iceTransportPolicy || 'all' });
  state.pc = pc;
  // A visitor without a camera offered no video: the call is audio-only.
  const video = c.mediaType === 'video' && /^m=video /m.test(c.offer);
  if (c.mediaType === 'video' && !video) { state.notice = T.visitorNoCamera; }
  // A video call plays the visitor's sound through the <video>, an audio
  // call through the <audio>: never both.
  pc.ontrack = (ev) => { (video ? remoteVideo : audio).srcObject = ev.streams[0]; };
  state.stream = await localMedia(video);
  if (video) { videos.hidden = false; }
  if (cameraTracks().length > 0) { localVideo.srcObject = state.stream; }
  render();
  state.stream.getTracks().forEach((t) => pc.addTrack(t, state.stream));
  await pc.setRemoteDescription({ type: 'offer', sdp: c.offer });
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered(pc);
  await api('POST', BASE + '/' + encodeURIComponent(id) + '/answer', { sdp: pc.localDescription.sdp });
}

function hangUpMedia() {
  if (state.pc) { state.pc.close(); }
  if (state.stream) { state.stream.getTracks().forEach((t) => t.stop()); }
  state.pc = null; state.stream = null; state.callId = ''; state.muted = false; state.cameraOff = false; state.notice = '';
  audio.srcObject = null; remoteVideo.srcObject = null; localVideo.srcObject = null; videos.hidden = true;
}

function refresh() {
  return api('GET', BASE).then(({ status, data }) => {
    if (status !== 200) { return; }
    const before = state.calls;
    state.calls = data.calls || [];
    if (state.callId && !state.calls.some((c) => c.id === state.callId)) {
      hangUpMedia();
      panel.dataset.note = T.ended;
    } else if (before.length > 0 && state.calls.length === 0) {
      panel.dataset.note = T.ended;
    } else if (state.calls.length > 0) {
      panel.dataset.note = '';
    }
    render();
  }).catch(() => {});
}

function init() {
  panel = document.createElement('div');
  panel.id = 'calls'; panel.hidden = true; panel.setAttribute('role', 'region');
  audio = document.createElement('audio'); audio.id = 'agent-call-audio'; audio.autoplay = true;
  videos = document.createElement('div'); videos.id = 'agent-call-videos'; videos.hidden = true;
  remoteVideo = videoElement('agent-call-remote-video', false);
  localVideo = videoElement('agent-call-local-video', true);
  videos.append(remoteVideo, localVideo);
  document.body.prepend(panel);
  document.body.append(audio, videos);
  setInterval(() => { if (document.body.dataset.view !== 'login') { refresh(); } }, 1000);
}

init();
