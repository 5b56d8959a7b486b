// Click-to-call on the chat page (spec 003 §11–14). When the channel offers
// it (checkClickToCallSupport), a call button places a WebRTC audio call to
// the agent, and where the channel allows video (ccflow's videoSupported) a
// second button places a video call (mediaAbility 1): createClickToCall, then getClickToCallEvents until "Call
// connected", whose accessCode opens the call at ccflow's signalling
// gateway (/rtc/v1/calls/{accessCode}): this page sends its offer there
// (complete, with its ICE candidates) and reads the agent's answer. The
// gateway names the call's media type, so a video call shows the agent's
// video and this page's own camera (muted) wherever it was placed. The
// call's state is kept in sessionStorage, so a reload picks it up again
// (the media of a connected call does not survive a reload: the page shows
// the call and can hang it up). Texts are set with textContent.
// A video call on a browser without a usable camera (getUserMedia with video
// rejected: no camera, or camera permission refused) falls back to an
// audio-only call and says so; during a video call a button turns the
// camera off and on (the local video track's enabled, so the connection and
// its negotiation stay as they are).

const SESSION = 'ccflow.chat';
const STORE = 'ccflow.call';
const en = (navigator.language || '').indexOf('en') === 0;
const T = en
  ? { call: 'Call', video: 'Video call', hangup: 'Hang up', mute: 'Mute', unmute: 'Unmute', queuing: 'Waiting for an agent…', connecting: 'Connecting…', talking: 'In call', ended: 'Call ended', failed: 'Call failed', cameraOff: 'Camera off', cameraOn: 'Camera on', noCamera: 'No camera available: this is an audio-only call' }
  : { call: '语音通话', video: '视频通话', hangup: '挂断', mute: '静音', unmute: '取消静音', queuing: '正在等待座席接听…', connecting: '正在接通…', talking: '通话中', ended: '通话已结束', failed: '通话未接通', cameraOff: '关闭摄像头', cameraOn: '打开摄像头', noCamera: '未能使用摄像头，已改为语音通话' };

const call = { state: 'idle', video: false, accessCode: '', connectedAt: 0, pc: null, stream: null, muted: false, cameraOff: false, noCamera: false, lastEvent: '' };
window.ccflowCall = call; // for the browser tests: getStats() of call.pc

function token() {
  try { return (JSON.parse(sessionStorage.getItem(SESSION) || 'null') || {}).token || ''; } catch { return ''; }
}

function api(method, path, body) {
  const headers = { 'ccmessaging-token': token() };
  if (body) { headers['Content-Type'] = 'application/json'; }
  return fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined, cache: 'no-store' })
    .then((res) => res.json().catch(() => ({})).then((data) => ({ status: res.status, data })));
}

function save() {
  sessionStorage.setItem(STORE, JSON.stringify({ state: call.state, video: call.video, noCamera: call.noCamera, accessCode: call.accessCode, connectedAt: call.connectedAt }));
}

let bar, button, videoButton, status, clock, mute, camera, notice, hangup, audio, videos, remoteVideo, localVideo;
// videoOffered is checkClickToCallSupport's videoSupported.
let videoOffered = false;

// videoElement is a call's <video>: inline on phones, playing as it gets a stream.
function videoElement(id, muted) {
  const v = document.createElement('video');
  v.id = id; v.autoplay = true; v.playsInline = true;
  // The local preview is muted: the visitor must not hear themselves.
  v.muted = muted; v.defaultMuted = muted;
  return v;
}

function build() {
  bar = document.createElement('div');
  bar.id = 'call-bar';
  bar.hidden = true;
  button = document.createElement('button');
  button.id = 'call-start'; button.type = 'button'; button.textContent = T.call;
  videoButton = document.createElement('button');
  videoButton.id = 'call-video-start'; videoButton.type = 'button'; videoButton.textContent = T.video; videoButton.hidden = true;
  status = document.createElement('span'); status.id = 'call-status'; status.setAttribute('role', 'status');
  clock = document.createElement('span'); clock.id = 'call-time';
  mute = document.createElement('button'); mute.id = 'call-mute'; mute.type = 'button'; mute.textContent = T.mute; mute.hidden = true;
  camera = document.createElement('button'); camera.id = 'call-camera'; camera.type = 'button'; camera.textContent = T.cameraOff; camera.hidden = true;
  camera.setAttribute('aria-pressed', 'false');
  notice = document.createElement('span'); notice.id = 'call-notice'; notice.setAttribute('role', 'status'); notice.hidden = true;
  hangup = document.createElement('button'); hangup.id = 'call-hangup'; hangup.type = 'button'; hangup.textContent = T.hangup; hangup.hidden = true;
  audio = document.createElement('audio'); audio.id = 'call-audio'; audio.autoplay = true;
  videos = document.createElement('div'); videos.id = 'call-videos'; videos.hidden = true;
  remoteVideo = videoElement('call-remote-video', false);
  localVideo = videoElement('call-local-video', true);
  videos.append(remoteVideo, localVideo);
  bar.append(button, videoButton, status, clock, mute, camera, hangup, notice, audio, videos);
  const composer = document.getElementById('composer');
  composer.parentNode.insertBefore(bar, composer);
  button.addEventListener('click', () => start(false));
  videoButton.addEventListener('click', () => start(true));
  hangup.addEventListener('click', drop);
  mute.addEventListener('click', () => {
    call.muted = !call.muted;
    if (call.stream) { call.stream.getAudioTracks().forEach((t) => { t.enabled = !call.muted; }); }
    mute.textContent = call.muted ? T.unmute : T.mute;
  });
  camera.addEventListener('click', () => {
    call.cameraOff = !call.cameraOff;
    cameraTracks().forEach((t) => { t.enabled = !call.cameraOff; });
    showCamera();
  });
  setInterval(tick, 1000);
}

function show(text) {
  status.textContent = text;
  const on = call.state !== 'idle';
  button.hidden = on;
  videoButton.hidden = on || !videoOffered;
  hangup.hidden = !on;
  mute.hidden = call.state !== 'connected';
  bar.dataset.state = call.state;
  showCamera();
}

// cameraTracks are the camera's tracks this page sends (none in an audio
// call, or one that fell back to audio).
function cameraTracks() {
  return call.stream ? call.stream.getVideoTracks() : [];
}

// showCamera shows the camera button while the page sends its camera, and
// says by its label and aria-pressed whether the camera is off.
function showCamera() {
  camera.hidden = call.state !== 'connected' || cameraTracks().length === 0;
  camera.textContent = call.cameraOff ? T.cameraOn : T.cameraOff;
  camera.setAttribute('aria-pressed', String(call.cameraOff));
  camera.dataset.camera = call.cameraOff ? 'off' : 'on';
  notice.hidden = !call.noCamera;
  notice.textContent = call.noCamera ? T.noCamera : '';
}

// noCamera tells a getUserMedia refusal a camera may be behind: none
// there, permission refused, or busy elsewhere.
function noCamera(err) {
  return ['NotFoundError', 'NotAllowedError', 'NotReadableError', 'OverconstrainedError', 'AbortError'].includes(err && err.name);
}

// localMedia asks for the microphone, and the camera in a video call; a
// video call that cannot have the camera goes on with the microphone alone
// (the offer then has no video, so the whole call is audio-only).
async function localMedia() {
  if (!call.video) { return navigator.mediaDevices.getUserMedia({ audio: true, video: false }); }
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  } catch (err) {
    if (!noCamera(err)) { throw err; }
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    call.video = false; call.noCamera = true;
    save();
    return stream;
  }
}

function tick() {
  if (call.state !== 'connected' || !call.connectedAt) { clock.textContent = ''; return; }
  const s = Math.max(0, Math.floor((Date.now() - call.connectedAt) / 1000));
  clock.textContent = Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
}

function start(video) {
  button.disabled = true; videoButton.disabled = true;
  const done = () => { button.disabled = false; videoButton.disabled = false; };
  api('POST', '/apiaccess/ccmessaging/v1/createClickToCall', { channel: 'WEB', mediaAbility: video ? '1' : '0' }).then(({ data }) => {
    done();
    if (data.resultCode !== '0') { show(data.resultDesc || T.failed); return; }
    call.state = 'queuing'; call.video = video; save(); show(T.queuing);
    poll();
  }).catch(() => { done(); show(T.failed); });
}

function drop() {
  api('POST', '/apiaccess/ccmessaging/v1/dropClickToCall', { channel: 'WEB' }).then(() => poll());
}

let polling = false;
// poll reads the call's events until it ends.
function poll() {
  if (polling) { return; }
  polling = true;
  const next = () => {
    if (call.state === 'idle') { polling = false; return; }
    api('GET', '/apiaccess/ccmessaging/v1/getClickToCallEvents?channel=WEB&wait=20').then(({ data }) => {
      if (data.eventId) { onEvent(data); }
      setTimeout(next, data.eventId ? 0 : 200);
    }).catch(() => setTimeout(next, 2000));
  };
  next();
}

function onEvent(e) {
  call.lastEvent = e.eventId + ' ' + e.resultDesc;
  switch (e.eventId) {
    case '168100':
      show(T.queuing);
      break;
    case '168101':
      call.state = 'connected'; call.connectedAt = Date.now(); call.accessCode = (e.content || {}).accessCode || '';
      save(); show(T.connecting);
      media().catch((err) => show(T.failed + ': ' + err.message));
      break;
    default:
      end(e.resultDesc === 'Call disconnected' ? T.ended : T.failed);
  }
}

// gathered resolves once the connection's ICE candidates are all in its
// local description (ccflow relays complete descriptions, no trickle).
function gathered(pc) {
  if (pc.iceGatheringState === 'complete') { return Promise.resolve(); }
  return new Promise((ok) => {
    pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') { ok(); } });
  });
}

async function media() {
  const gw = '/rtc/v1/calls/' + encodeURIComponent(call.accessCode);
  const info = await fetch(gw, { cache: 'no-store' }).then((r) => r.json());
  const pc = new RTCPeerConnection({ iceServers: info.iceServers || [], iceTransportPolicy: info.iceTransportPolicy || 'all' });
  call.pc = pc;
  // The call's own media type decides, as it does on the agent's side.
  call.video = info.mediaType === 'video';
  save();
  // A video call plays the agent's sound through the <video>, an audio call
  // through the <audio>: never both.
  pc.ontrack = (ev) => { (call.video ? remoteVideo : audio).srcObject = ev.streams[0]; show(T.talking); };
  call.stream = await localMedia();
  if (call.video) { localVideo.srcObject = call.stream; videos.hidden = false; }
  show(status.textContent);
  call.stream.getTracks().forEach((t) => pc.addTrack(t, call.stream));
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  await fetch(gw + '/offer', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ sdp: pc.localDescription.sdp }) });
  for (let i = 0; i < 30 && call.pc === pc; i++) {
    const c = await fetch(gw + '?wait=20', { cache: 'no-store' }).then((r) => (r.ok ? r.json() : {}));
    if (c.answer) { await pc.setRemoteDescription({ type: 'answer', sdp: c.answer }); return; }
    if (!c.state || c.endedAt) { return; }
  }
}

function end(text) {
  if (call.pc) { call.pc.close(); }
  if (call.stream) { call.stream.getTracks().forEach((t) => t.stop()); }
  call.pc = null; call.stream = null; call.state = 'idle'; call.video = false; call.accessCode = ''; call.connectedAt = 0;
  call.cameraOff = false; call.noCamera = false;
  audio.srcObject = null; remoteVideo.srcObject = null; localVideo.srcObject = null; videos.hidden = true;
  sessionStorage.removeItem(STORE);
  show(text);
}

// init shows the button once the page has its session and the channel offers
// click-to-call, and resumes a call a reload interrupted.
function init() {
  if (!token()) { setTimeout(init, 500); return; }
  api('GET', '/apiaccess/ccmessaging/v1/checkClickToCallSupport?channel=WEB').then(({ data }) => {
    if (!data.clickToCallSupported) { return; }
    videoOffered = !!data.videoSupported;
    bar.hidden = false;
    let saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(STORE) || 'null'); } catch { saved = null; }
    if (saved && saved.state && saved.state !== 'idle') {
      Object.assign(call, saved);
      show(saved.state === 'connected' ? T.talking : T.queuing);
      poll();
    } else {
      show('');
    }
  }).catch(() => setTimeout(init, 5000));
}

build();
init();
