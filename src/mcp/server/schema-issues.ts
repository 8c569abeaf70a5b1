/** A schema library's failure as a short list a client can act on: `path: message; ...`. */
export function describeIssues(error: unknown): string {
  const issues = (error as { issues?: { path?: PropertyKey[]; message?: string }[] }).issues;
  if (!Array.isArray(issues) || issues.length === 0) return 'they do not match the schema';
  return issues
    .slice(0, 5)
    .map((issue) => {
      const path = (issue.path ?? []).filter((p) => p !== 'params').map(String);
      return `${path.length ? `${path.join('.')}: ` : ''}${issue.message ?? 'invalid'}`;
    })
    .join('; ');
}
