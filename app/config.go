package main

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is everything the process reads from its environment at start.
// It is read once; nothing is re-read later.
type Config struct {
	Port string // listen port, validated 1-65535

	DBHost string
	// DBReadHost is the replicas' Service (optional): reads the primary cannot
	// answer go there. Same port, database, user, password and TLS settings.
	DBReadHost string
	DBPort     string // validated 1-65535, kept as received (after defaulting)
	DBName     string
	DBUser     string
	DBPassword string
	DBSSLMode  string
	// DBSSLRootCert is the CA file that verifies the server (sslmode verify-ca /
	// verify-full), e.g. the ca.crt of a mounted Secret. Empty: the system roots.
	DBSSLRootCert string

	LogLevel string // normalised: debug|info|warn|error
	AppTitle string
	AppEnv   string

	ShutdownDelay time.Duration
}

var validSSLModes = []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}

// LoadConfig reads the configuration through getenv (os.Getenv in main, a map in
// tests). An unset and an empty variable are treated the same. Every problem is
// reported, each naming its variable, joined into one error.
func LoadConfig(getenv func(string) string) (Config, error) {
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	var errs []error
	required := func(name string) string {
		v := getenv(name)
		if strings.TrimSpace(v) == "" {
			errs = append(errs, fmt.Errorf("%s is required but not set", name))
		}
		return v
	}
	port := func(name, def string) string {
		v := get(name, def)
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			errs = append(errs, fmt.Errorf("%s=%q is not a valid port (1-65535)", name, v))
		}
		return v
	}

	c := Config{
		Port:       port("PORT", "8080"),
		DBHost:     strings.TrimSpace(required("DB_HOST")),
		DBReadHost: strings.TrimSpace(getenv("DB_READ_HOST")),
		DBPort:     port("DB_PORT", "5432"),
		DBName:     strings.TrimSpace(required("DB_NAME")),
		DBUser:     strings.TrimSpace(required("DB_USER")),
		AppTitle:   get("APP_TITLE", "Guestbook"),
		AppEnv:     strings.TrimSpace(getenv("APP_ENV")),
	}
	// The password is used verbatim (no trimming): it may legitimately contain spaces.
	// A mounted Secret file (DB_PASSWORD_FILE) wins over DB_PASSWORD: the file keeps the
	// value out of the process environment, which child processes and crash dumps see.
	if path := strings.TrimSpace(getenv("DB_PASSWORD_FILE")); path != "" {
		pw, err := readPasswordFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("DB_PASSWORD_FILE=%q: %w", path, err))
		}
		c.DBPassword = pw
	} else if pw := getenv("DB_PASSWORD"); strings.TrimSpace(pw) != "" {
		c.DBPassword = pw
	} else {
		errs = append(errs, errors.New("DB_PASSWORD (or DB_PASSWORD_FILE, a file holding it) is required but not set"))
	}

	c.DBSSLMode = strings.ToLower(get("DB_SSLMODE", "disable"))
	if !contains(validSSLModes, c.DBSSLMode) {
		errs = append(errs, fmt.Errorf("DB_SSLMODE=%q is invalid (want one of %s)", c.DBSSLMode, strings.Join(validSSLModes, "|")))
	}

	// Checked here, not at the first connection: a wrong mount should stop the pod at
	// start with the variable named, not fail every request later.
	c.DBSSLRootCert = strings.TrimSpace(getenv("DB_SSLROOTCERT"))
	if c.DBSSLRootCert != "" {
		if err := checkCAFile(c.DBSSLRootCert); err != nil {
			errs = append(errs, fmt.Errorf("DB_SSLROOTCERT=%q: %v", c.DBSSLRootCert, err))
		}
	}

	c.LogLevel = strings.ToLower(get("LOG_LEVEL", "info"))
	if _, err := parseLevel(c.LogLevel); err != nil {
		errs = append(errs, fmt.Errorf("LOG_LEVEL=%q is invalid (want debug|info|warn|error)", c.LogLevel))
	}

	delay := get("SHUTDOWN_DELAY", "5s")
	d, err := time.ParseDuration(delay)
	switch {
	case err != nil:
		errs = append(errs, fmt.Errorf("SHUTDOWN_DELAY=%q is not a Go duration (e.g. 5s, 1500ms)", delay))
	case d < 0:
		errs = append(errs, fmt.Errorf("SHUTDOWN_DELAY=%q must not be negative", delay))
	default:
		c.ShutdownDelay = d
	}

	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	return c, nil
}

// maxPasswordFileBytes bounds what is read: a password file is tiny, a wrong path
// (a log, a device) must not be read into memory whole.
const maxPasswordFileBytes = 64 << 10

// readPasswordFile returns the file's contents minus one trailing newline (what
// `echo` and most editors add); other white space is part of the password.
func readPasswordFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("cannot read the password file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPasswordFileBytes+1))
	if err != nil {
		return "", fmt.Errorf("cannot read the password file: %w", err)
	}
	if len(data) > maxPasswordFileBytes {
		return "", fmt.Errorf("the password file is larger than %d bytes; is this the right file?", maxPasswordFileBytes)
	}
	pw := string(data)
	if strings.HasSuffix(pw, "\r\n") {
		pw = strings.TrimSuffix(pw, "\r\n")
	} else {
		pw = strings.TrimSuffix(pw, "\n")
	}
	if strings.TrimSpace(pw) == "" {
		return "", errors.New("the password file is empty")
	}
	return pw, nil
}

func parseLevel(s string) (slog.Level, error) {
	switch s {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("unknown log level %q", s)
}

// Level returns the slog level for LogLevel (already validated).
func (c Config) Level() slog.Level {
	l, _ := parseLevel(c.LogLevel)
	return l
}

// DatabaseURL builds the postgres:// URL of the primary. url.URL escapes user,
// password and database name, so any character in them is safe.
func (c Config) DatabaseURL() string { return c.urlFor(c.DBHost) }

// ReadDatabaseURL is DatabaseURL for DB_READ_HOST; empty without one.
func (c Config) ReadDatabaseURL() string {
	if c.DBReadHost == "" {
		return ""
	}
	return c.urlFor(c.DBReadHost)
}

func (c Config) urlFor(host string) string {
	u := url.URL{
		Scheme: "postgres",
		User:   url.UserPassword(c.DBUser, c.DBPassword),
		Host:   net.JoinHostPort(host, c.DBPort),
		Path:   "/" + c.DBName,
	}
	q := url.Values{"sslmode": {c.DBSSLMode}, "application_name": {"guestbook"}}
	if c.DBSSLRootCert != "" {
		q.Set("sslrootcert", c.DBSSLRootCert)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// checkCAFile: an absolute path to a readable file holding at least one PEM certificate.
func checkCAFile(path string) error {
	if !filepath.IsAbs(path) {
		return errors.New("must be an absolute path")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("cannot read the CA file: %w", err)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(data) {
		return errors.New("holds no PEM certificate")
	}
	return nil
}

// PasswordSHA256 is the hex SHA-256 of DB_PASSWORD: lets the e2e suite prove
// the Secret was injected without the app ever revealing it.
func (c Config) PasswordSHA256() string {
	sum := sha256.Sum256([]byte(c.DBPassword))
	return hex.EncodeToString(sum[:])
}

// PublicConfig is the body of GET /api/config. Never add the password here.
type PublicConfig struct {
	DBHost         string `json:"dbHost"`
	DBPort         string `json:"dbPort"`
	DBName         string `json:"dbName"`
	DBUser         string `json:"dbUser"`
	DBSSLMode      string `json:"dbSslMode"`
	DBSSLRootCert  string `json:"dbSslRootCert"`
	LogLevel       string `json:"logLevel"`
	AppTitle       string `json:"appTitle"`
	AppEnv         string `json:"appEnv"`
	PasswordSHA256 string `json:"passwordSha256"`
}

func (c Config) Public() PublicConfig {
	return PublicConfig{
		DBHost:         c.DBHost,
		DBPort:         c.DBPort,
		DBName:         c.DBName,
		DBUser:         c.DBUser,
		DBSSLMode:      c.DBSSLMode,
		DBSSLRootCert:  c.DBSSLRootCert,
		LogLevel:       c.LogLevel,
		AppTitle:       c.AppTitle,
		AppEnv:         c.AppEnv,
		PasswordSHA256: c.PasswordSHA256(),
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
