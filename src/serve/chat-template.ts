/**
 * How chat messages become a prompt for a character-level LM: plain text with one line per turn, so a model
 * trained on ordinary prose has seen every character involved.
 *
 *     <system and developer messages, joined by newlines>\n
 *     \n
 *     User: <content>\n
 *     Assistant: <content>\n
 *     User: <content>\n
 *     Assistant:␠
 *
 * (␠ is one space.) The system block and its blank line are present only when there is a system or developer
 * message. Generation continues after `Assistant: ` (with the space, so the first sampled character is the reply's
 * first character); the reply ends (finish_reason `stop`) where the model starts a new turn, i.e. at `\nUser:` or
 * `\nAssistant:`, in addition to any `stop` strings of the request.
 */

export type ChatRole = 'system' | 'developer' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

const SPEAKER: Record<'user' | 'assistant', string> = { user: 'User', assistant: 'Assistant' };

/** Stop strings every chat request gets: the start of the next turn. */
export const CHAT_TURN_STOPS: readonly string[] = ['\nUser:', '\nAssistant:'];

/** Renders messages with the template above. */
export function renderChatPrompt(messages: readonly ChatMessage[]): string {
  const system = messages.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => m.content);
  const turns = messages
    .filter((m): m is ChatMessage & { role: 'user' | 'assistant' } => m.role === 'user' || m.role === 'assistant')
    .map((m) => `${SPEAKER[m.role]}: ${m.content}\n`);
  const head = system.length > 0 ? `${system.join('\n')}\n\n` : '';
  return `${head}${turns.join('')}Assistant: `;
}
