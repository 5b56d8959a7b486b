// The chat page's own words in the channel's (or visitor's) locale, and the
// conversation workflow's lines (workflows/conversation/texts.go) the page
// reacts to. Every text from the server is set with textContent.

export const TEXTS = {
  zh: {
    title: '在线客服', placeholder: '请输入您的问题', send: '发送', agent: '转人工', end: '结束', again: '新会话', leave: '留言',
    connecting: '正在连接…', robot: '智能客服为您服务', queued: '排队中', withAgent: '人工客服为您服务', ended: '会话已结束',
    queue: (q) => `您排在第 ${q.position} 位，` + (q.estimateWaitTime > 0 ? `预计等待约 ${wait(q.estimateWaitTime, 'zh')}` : '暂时无法估计等待时间'),
    rate: '请为本次服务评分：', thanks: '感谢您的评价！', rateRefused: '本次会话无法评价。', me: '我',
    badKey: '链接已失效或已被使用，请从网站重新打开在线客服。', expired: '会话已过期，请从网站重新打开在线客服。',
    offline: '网络异常，正在重新连接…', failed: '发送失败，点击重试',
    attach: '文件', file: '[文件]', fileTypes: '只能发送 jpg、png、bmp、mp3、aac、mp4、txt、csv 文件。',
    alreadyAgent: '人工客服正在为您服务。', notWorkingHours: '当前不在人工服务时间，您可以留言，我们会尽快联系您。',
    transferFailed: '暂时无法转接人工，请稍后再试。', error: '操作失败，请稍后再试。',
    suggest: '您是不是想问：', agentTyping: '客服正在输入…',
    leaveTitle: '给我们留言', leavePhone: '联系电话', leaveText: '留言内容', leaveSend: '提交留言', leaveCancel: '取消',
    leaveThanks: '留言已提交，我们会尽快联系您。', leaveEmpty: '请填写电话和留言内容。', leaveBadPhone: '请填写正确的电话号码（手机号或区号加号码）。',
  },
  en: {
    title: 'Customer service', placeholder: 'Type your question', send: 'Send', agent: 'Agent', end: 'End', again: 'New chat', leave: 'Leave a message',
    connecting: 'Connecting…', robot: 'Chatting with our assistant', queued: 'In the queue', withAgent: 'Chatting with an agent', ended: 'Conversation ended',
    queue: (q) => `You are number ${q.position} in the queue. ` + (q.estimateWaitTime > 0 ? `About ${wait(q.estimateWaitTime, 'en')} to wait.` : 'There is no wait estimate yet.'),
    rate: 'Please rate this conversation:', thanks: 'Thank you for your rating!', rateRefused: 'This conversation cannot be rated.', me: 'Me',
    badKey: 'This link has expired or was already used. Please open the chat again from the site.', expired: 'Your session has expired. Please open the chat again from the site.',
    offline: 'Connection problem, reconnecting…', failed: 'Not sent, click to retry',
    attach: 'File', file: '[file]', fileTypes: 'Only jpg, png, bmp, mp3, aac, mp4, txt and csv files can be sent.',
    alreadyAgent: 'An agent is already serving you.', notWorkingHours: 'Our agents are not working now. Leave a message and we will get back to you.',
    transferFailed: 'We cannot reach an agent right now, please try again later.', error: 'Something went wrong, please try again.',
    suggest: 'Did you mean:', agentTyping: 'Agent is typing…',
    leaveTitle: 'Leave us a message', leavePhone: 'Phone number', leaveText: 'Your message', leaveSend: 'Send message', leaveCancel: 'Cancel',
    leaveThanks: 'Thank you, we will get back to you soon.', leaveEmpty: 'Please give a phone number and a message.', leaveBadPhone: 'Please give a valid phone number.',
  },
};

function wait(s, lang) {
  if (s < 60) { return lang === 'en' ? `${s} s` : `${s} 秒`; }
  const m = Math.round(s / 60);
  return lang === 'en' ? `${m} min` : `${m} 分钟`;
}

// The workflow's lines, both locales, by what they mean to the page.
export const LINES = {
  rateAsk: ['请为本次服务评分', 'Please rate this conversation'],
  closed: ['会话已结束', 'The conversation has ended'],
  connected: ['已接通座席', 'Connected to an agent'],
  queued: ['正在为您转接', '看来我帮不上忙', 'Transferring you', "I can't help with this one", '座席已离开', 'Your agent has left'],
  leave: ['当前座席繁忙', 'All agents are busy', '当前非座席工作时间', 'Agents are not working now'],
};

export const says = (text, key) => LINES[key].some((p) => text.indexOf(p) === 0);

export function pick(locale) {
  return TEXTS[locale === 'en' ? 'en' : 'zh'];
}

export function fmtTime(ms) {
  const d = new Date(ms);
  if (isNaN(d)) { return ''; }
  return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
}
