/**
 * Small, general stop-word lists. They only remove words that carry no
 * information about *which tool* is wanted (articles, pronouns, auxiliaries,
 * politeness). Action verbs such as get/list/create/find are deliberately kept:
 * they often are the only thing separating two tools of the same server.
 */
const ENGLISH = [
  'a', 'about', 'above', 'after', 'again', 'all', 'also', 'am', 'an', 'and', 'any', 'are', 'as',
  'at', 'be', 'been', 'being', 'both', 'but', 'by', 'can', 'could', 'did', 'do', 'does', 'doing',
  'each', 'else', 'etc', 'for', 'from', 'had', 'has', 'have', 'having', 'he', 'her', 'here',
  'hers', 'him', 'his', 'how', 'i', 'if', 'in', 'into', 'is', 'it', 'its', 'itself', 'just',
  'let', 'me', 'might', 'mine', 'more', 'most', 'must', 'my', 'myself', 'no', 'nor', 'not', 'of',
  'off', 'on', 'once', 'only', 'or', 'other', 'our', 'ours', 'ourselves', 'please', 'shall',
  'she', 'should', 'so', 'some', 'such', 'than', 'that', 'the', 'their', 'theirs', 'them',
  'themselves', 'then', 'there', 'these', 'they', 'this', 'those', 'through', 'to', 'too', 'us',
  'very', 'via', 'was', 'we', 'were', 'what', 'when', 'where', 'which', 'while', 'who', 'whom',
  'whose', 'why', 'will', 'with', 'would', 'you', 'your', 'yours', 'yourself', 'yourselves',
];

/** Chinese function characters that segment as single-character words. */
const CHINESE = ['的', '了', '和', '与', '及', '或', '是', '在', '将', '把', '被', '并', '等', '之', '其', '个', '为', '对', '从'];

const STOP = new Set<string>([...ENGLISH, ...CHINESE]);

/** `word` must already be lower-cased. */
export function isStopWord(word: string): boolean {
  return STOP.has(word);
}
