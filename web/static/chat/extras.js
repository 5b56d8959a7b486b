// What the chat page offers beside the conversation: phrase suggestions
// while the visitor types to the robot (spec 003 §10), and the leave-message
// form (spec 003 §15) for when no agent can be had.

const el = (id) => document.getElementById(id);

let timer = null;
let asked = '';

// suggestWhileTyping asks for the FAQ questions that start like the text.
export function suggestWhileTyping(call, locale, text, pick) {
  clearTimeout(timer);
  text = text.trim();
  if (!text) { hideSuggestions(); return; }
  timer = setTimeout(() => {
    asked = text;
    call('POST', '/apiaccess/ccmessaging/queryPhraseByKeyword', { strContent: text.slice(0, 200), locale, channel: 'WEB' })
      .then((r) => {
        if (asked !== text) { return; }
        const list = (r.phrases || []).filter((q) => q !== text);
        const box = el('typeahead');
        box.replaceChildren(...list.map((q) => {
          const b = document.createElement('button');
          b.type = 'button';
          b.textContent = q;
          b.addEventListener('click', () => { hideSuggestions(); pick(q); });
          return b;
        }));
        box.hidden = !list.length;
      })
      .catch(() => hideSuggestions());
  }, 250);
}

export function hideSuggestions() {
  clearTimeout(timer);
  asked = '';
  el('typeahead').hidden = true;
  el('typeahead').replaceChildren();
}

// showLeave opens the leave-message form; done gets the result text.
export function showLeave(call, session, T, done) {
  const form = el('leave');
  el('leave-title').textContent = T.leaveTitle;
  el('leave-phone-label').textContent = T.leavePhone;
  el('leave-text-label').textContent = T.leaveText;
  el('leave-send').textContent = T.leaveSend;
  el('leave-cancel').textContent = T.leaveCancel;
  el('leave-error').hidden = true;
  form.hidden = false;
  el('leave-phone').focus();
  form.onsubmit = (ev) => {
    ev.preventDefault();
    const caller = el('leave-phone').value.trim();
    const text = el('leave-text').value.trim();
    if (!caller || !text) { return error(T.leaveEmpty); }
    el('leave-send').disabled = true;
    call('POST', '/apiaccess/ccmessaging/doLeaveMessage', { callId: session.userId, caller, leaveMessage: text, channel: 'WEB' })
      .then(() => {
        form.hidden = true;
        el('leave-text').value = '';
        done(T.leaveThanks);
      })
      .catch((e) => error(e.code === '3' && /caller/.test(e.desc) ? T.leaveBadPhone : e.code === '2' ? T.leaveEmpty : T.error))
      .finally(() => { el('leave-send').disabled = false; });
  };
  el('leave-cancel').onclick = () => { form.hidden = true; };

  function error(text) {
    el('leave-error').textContent = text;
    el('leave-error').hidden = false;
  }
}
