// Files in the chat page (spec 003 §8, §9): the visitor's upload, and each
// file message shown as what it is: an image inline, audio and video with
// players, other files as a download link. Files are fetched with
// downloadFileStream (base64) and shown from a blob: URL.

// TYPES maps a file's extension to the mediaType a message of it takes.
const TYPES = { jpg: 'IMAGE', jpeg: 'IMAGE', png: 'IMAGE', bmp: 'IMAGE', mp3: 'AUDIO', aac: 'AUDIO', mp4: 'VIDEO', txt: 'FILE', csv: 'FILE' };

const MIME = { jpg: 'image/jpeg', png: 'image/png', bmp: 'image/bmp', mp3: 'audio/mpeg', aac: 'audio/aac', mp4: 'video/mp4', txt: 'text/plain', csv: 'text/csv' };

let caller = null;
export function useCall(call) { caller = call; }

// fileTypeOf is the spec's fileType of a chosen file, or '' when it has none.
export function fileTypeOf(name) {
  let ext = (name.split('.').pop() || '').toLowerCase();
  if (ext === 'jpeg') { ext = 'jpg'; }
  return TYPES[ext] ? ext : '';
}

export function mediaTypeOf(fileType) { return TYPES[fileType] || 'FILE'; }

function base64Of(file) {
  return new Promise((ok, fail) => {
    const r = new FileReader();
    r.onload = () => ok(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => fail(r.error);
    r.readAsDataURL(file);
  });
}

// upload sends the file and answers the message content "objectKey,type".
export function upload(file, fileType) {
  return base64Of(file).then((fileStream) => caller('POST', '/apiaccess/ccmessaging/uploadFileStream', { fileType, fileStream, channel: 'WEB' }))
    .then((r) => `${r.objectKey},${fileType}`);
}

const urls = {};

function fetchFile(fileId, fileType) {
  if (!urls[fileId]) {
    urls[fileId] = caller('POST', '/apiaccess/ccmessaging/downloadFileStream', { fileId, fileType, channel: 'WEB' }).then((r) => {
      const bin = atob(r.fileStream);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
      return URL.createObjectURL(new Blob([bytes], { type: MIME[fileType] || 'application/octet-stream' }));
    });
  }
  return urls[fileId];
}

// mediaNode is the element that shows file {id, type, media}; it fills in
// once the file is fetched.
export function mediaNode(file, label) {
  const box = document.createElement('div');
  box.className = 'media';
  const cls = TYPES[file.type];
  let el;
  if (cls === 'IMAGE') {
    el = document.createElement('img');
    el.alt = label;
  } else if (cls === 'AUDIO' || cls === 'VIDEO') {
    el = document.createElement(cls === 'AUDIO' ? 'audio' : 'video');
    el.controls = true;
    el.preload = 'metadata';
  } else {
    el = document.createElement('a');
    el.textContent = label;
    el.download = `${file.id}.${file.type}`;
  }
  el.dataset.fileId = file.id;
  box.appendChild(el);
  fetchFile(file.id, file.type).then((url) => {
    if (el.tagName === 'A') { el.href = url; } else { el.src = url; }
  }).catch(() => { box.classList.add('missing'); box.textContent = label; });
  return box;
}

// fileOf reads a message's file: poll's fileId and fileType, or its content "objectKey,type".
export function fileOf(m) {
  if (m.fileId && m.fileType) { return { id: m.fileId, type: m.fileType }; }
  const i = (m.content || '').lastIndexOf(',');
  return i > 0 ? { id: m.content.slice(0, i), type: m.content.slice(i + 1) } : null;
}
