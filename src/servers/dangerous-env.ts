// Environment variables a caller may not set on a stdio server added over the API: each makes
// the process (or a program it runs: git, a package manager, a browser) load code the command
// line does not show, or changes whom it trusts (certificates, proxies, name resolution).
// A blocklist is never complete; names are upper-cased before the checks below.

const NAMES = new Set([
  // Interpreters' own "load this first" and search paths.
  'NODE_OPTIONS',
  'NODE_PATH',
  'NODE_REPL_EXTERNAL_MODULE',
  'PYTHONSTARTUP',
  'PYTHONPATH',
  'PYTHONHOME',
  'PYTHONINSPECT',
  'PERL5OPT',
  'PERL5LIB',
  'RUBYOPT',
  'RUBYLIB',
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
  'JDK_JAVA_OPTIONS',
  'CLASSPATH',
  'MAVEN_OPTS',
  'GRADLE_OPTS',
  'DENO_FLAGS',
  'BUN_OPTIONS',
  'PHPRC',
  'PHP_INI_SCAN_DIR',
  'RUSTC_WRAPPER',
  'UV_PYTHON',
  'VIRTUAL_ENV',
  // Which binary a bare name is, and what shells source or run.
  'PATH',
  'PATHEXT',
  'SHELL',
  'COMSPEC',
  'BASH_ENV',
  'ENV',
  'ZDOTDIR',
  'SHELLOPTS',
  'PS4',
  'GIT_SSH_COMMAND',
  // Programs other tools start on the process's behalf.
  'EDITOR',
  'VISUAL',
  'PAGER',
  'MANPAGER',
  'BROWSER',
  'LESSOPEN',
  'LESSCLOSE',
  'SSH_ASKPASS',
  'SSH_ASKPASS_REQUIRE',
  'SSH_AUTH_SOCK',
  'CHROME_PATH',
  'CHROME_BIN',
  'PLAYWRIGHT_BROWSERS_PATH',
  'PLAYWRIGHT_DOWNLOAD_HOST',
  // glibc loads charset converters (shared objects) and locales from these; tunables have had
  // exploitable parsing bugs.
  'GCONV_PATH',
  'LOCPATH',
  'NLSPATH',
  'GLIBC_TUNABLES',
  // Folders where tools read their config (which names commands, indexes, credentials helpers)
  // or write files other processes then load.
  'HOME',
  'USERPROFILE',
  'APPDATA',
  'LOCALAPPDATA',
  'TMPDIR',
  'TMP',
  'TEMP',
  'CURL_HOME',
  'WGETRC',
  'NETRC',
  'GNUPGHOME',
  'KUBECONFIG',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'CONTAINER_HOST',
  // Trust: TLS keys written out, certificate stores, name resolution.
  'SSLKEYLOGFILE',
  'GRPC_DEFAULT_SSL_ROOTS_FILE_PATH',
  'HOSTALIASES',
  'RES_OPTIONS',
  'LOCALDOMAIN',
  // Go: `go run pkg@version` fetches and builds through these.
  'GOFLAGS',
  'GOPROXY',
  'GOTOOLCHAIN',
  'GOENV',
  'GOPATH',
  'GOROOT',
  'GOBIN',
  'GOCACHE',
  'GOMODCACHE',
  'GOWORK',
  'GOSUMDB',
  'GONOSUMDB',
  'GONOSUMCHECK',
  'GOINSECURE',
  'GOPRIVATE',
  'GONOPROXY',
  'GOAUTH',
  'GOEXPERIMENT',
]);

// Whole families: dynamic loaders, package managers and registries, git config, OpenSSL (its
// config names engines and providers to dlopen), TLS stores, XDG config folders, container
// daemons, exported shell functions, runtimes' own variables.
const PREFIXES =
  /^(LD_|DYLD_|NPM_CONFIG_|YARN_|PNPM_|COREPACK_|GIT_|UV_|PIP_|PYTHON|NODE_(?!ENV$)|PERL|RUBY|JAVA|BUN_|DENO_|GEM_|BUNDLE_|CARGO_|RUSTUP_|CGO_|DOTNET_|COMPLUS_|CORECLR_|CONDA_|CONDARC|PIPX_|POETRY_|ELECTRON_|LUA_|R_(PROFILE|ENVIRON|LIBS)|PUPPETEER_|OPENSSL_|SSL_|GNUTLS_|XDG_|DOCKER_|KRB5|BASH_FUNC_)/;
// Proxies (http_proxy, HTTPS_PROXY, ALL_PROXY, NO_PROXY, ...), CA bundles
// (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, AWS_CA_BUNDLE), askpass helpers, browser binaries.
const SUFFIXES = /(_PROXY|_CA_BUNDLE|_CA_CERTS?|_CA_FILE|_CA_PATH|_ASKPASS|_EXECUTABLE(_PATH)?)$/;

/** True when an env key may make a stdio server load other code or trust other parties. */
export function isDangerousEnvKey(key: string): boolean {
  const name = key.toUpperCase();
  return NAMES.has(name) || PREFIXES.test(name) || SUFFIXES.test(name);
}
