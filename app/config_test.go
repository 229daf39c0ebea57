package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

func envFrom(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func baseEnv() map[string]string {
	return map[string]string{
		"DB_HOST":     "postgres.db.svc",
		"DB_NAME":     "guestbook",
		"DB_USER":     "app",
		"DB_PASSWORD": "s3cret",
	}
}

func TestLoadConfigDefaults(t *testing.T) {
	c, err := LoadConfig(envFrom(baseEnv()))
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	want := Config{
		Port: "8080", DBHost: "postgres.db.svc", DBPort: "5432", DBName: "guestbook", DBUser: "app",
		DBPassword: "s3cret", DBSSLMode: "disable", LogLevel: "info", AppTitle: "Guestbook", AppEnv: "",
		ShutdownDelay: 5 * time.Second,
	}
	if c != want {
		t.Fatalf("got %+v\nwant %+v", c, want)
	}
}

func TestLoadConfigExplicitValues(t *testing.T) {
	env := baseEnv()
	env["PORT"] = "9090"
	env["DB_PORT"] = "6432"
	env["DB_SSLMODE"] = "require"
	env["LOG_LEVEL"] = "DEBUG"
	env["APP_TITLE"] = "My Book"
	env["APP_ENV"] = "prod"
	env["SHUTDOWN_DELAY"] = "1500ms"
	c, err := LoadConfig(envFrom(env))
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if c.Port != "9090" || c.DBPort != "6432" || c.DBSSLMode != "require" || c.LogLevel != "debug" ||
		c.AppTitle != "My Book" || c.AppEnv != "prod" || c.ShutdownDelay != 1500*time.Millisecond {
		t.Fatalf("unexpected config %+v", c)
	}
	if c.Level().String() != "DEBUG" {
		t.Fatalf("level = %v", c.Level())
	}
}

func TestLoadConfigZeroShutdownDelayAllowed(t *testing.T) {
	env := baseEnv()
	env["SHUTDOWN_DELAY"] = "0s"
	c, err := LoadConfig(envFrom(env))
	if err != nil || c.ShutdownDelay != 0 {
		t.Fatalf("got %v, %v", c.ShutdownDelay, err)
	}
}

func TestLoadConfigMissingRequired(t *testing.T) {
	for _, name := range []string{"DB_HOST", "DB_NAME", "DB_USER", "DB_PASSWORD"} {
		t.Run(name, func(t *testing.T) {
			env := baseEnv()
			delete(env, name)
			_, err := LoadConfig(envFrom(env))
			if err == nil {
				t.Fatalf("expected an error when %s is missing", name)
			}
			if !strings.Contains(err.Error(), name) {
				t.Fatalf("error %q does not name %s", err, name)
			}
			env[name] = "   "
			if _, err := LoadConfig(envFrom(env)); err == nil || !strings.Contains(err.Error(), name) {
				t.Fatalf("blank %s: got %v", name, err)
			}
		})
	}
}

func TestLoadConfigInvalidValues(t *testing.T) {
	cases := []struct{ name, value string }{
		{"PORT", "abc"},
		{"PORT", "0"},
		{"PORT", "70000"},
		{"DB_PORT", "-1"},
		{"DB_PORT", "54x"},
		{"LOG_LEVEL", "verbose"},
		{"DB_SSLMODE", "sometimes"},
		{"SHUTDOWN_DELAY", "5"},
		{"SHUTDOWN_DELAY", "-1s"},
		{"SHUTDOWN_DELAY", "soon"},
	}
	for _, tc := range cases {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			env := baseEnv()
			env[tc.name] = tc.value
			_, err := LoadConfig(envFrom(env))
			if err == nil {
				t.Fatalf("expected an error for %s=%q", tc.name, tc.value)
			}
			if !strings.Contains(err.Error(), tc.name) {
				t.Fatalf("error %q does not name %s", err, tc.name)
			}
		})
	}
}

func TestLoadConfigReportsEveryProblem(t *testing.T) {
	_, err := LoadConfig(envFrom(map[string]string{"PORT": "nope", "LOG_LEVEL": "loud"}))
	if err == nil {
		t.Fatal("expected an error")
	}
	for _, name := range []string{"PORT", "DB_HOST", "DB_NAME", "DB_USER", "DB_PASSWORD", "LOG_LEVEL"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

func TestDatabaseURLEscapesCredentials(t *testing.T) {
	env := baseEnv()
	env["DB_USER"] = "we@ird:user"
	env["DB_PASSWORD"] = "p@ss:w/rd?#% &'\"x"
	env["DB_NAME"] = "my db/x"
	env["DB_SSLMODE"] = "disable"
	c, err := LoadConfig(envFrom(env))
	if err != nil {
		t.Fatal(err)
	}
	pc, err := pgxpool.ParseConfig(c.DatabaseURL())
	if err != nil {
		t.Fatalf("ParseConfig(%q): %v", c.DatabaseURL(), err)
	}
	cc := pc.ConnConfig
	if cc.Host != "postgres.db.svc" || cc.Port != 5432 || cc.Database != "my db/x" ||
		cc.User != "we@ird:user" || cc.Password != env["DB_PASSWORD"] || cc.TLSConfig != nil {
		t.Fatalf("round trip mismatch: host=%q port=%d db=%q user=%q pw=%q tls=%v",
			cc.Host, cc.Port, cc.Database, cc.User, cc.Password, cc.TLSConfig != nil)
	}
	if cc.RuntimeParams["application_name"] != "guestbook" {
		t.Fatalf("application_name = %q", cc.RuntimeParams["application_name"])
	}
}

func TestDatabaseURLIPv6Host(t *testing.T) {
	env := baseEnv()
	env["DB_HOST"] = "::1"
	c, err := LoadConfig(envFrom(env))
	if err != nil {
		t.Fatal(err)
	}
	pc, err := pgxpool.ParseConfig(c.DatabaseURL())
	if err != nil {
		t.Fatal(err)
	}
	if pc.ConnConfig.Host != "::1" {
		t.Fatalf("host = %q", pc.ConnConfig.Host)
	}
}

func TestPasswordSHA256(t *testing.T) {
	c := Config{DBPassword: "s3cret"}
	// echo -n s3cret | sha256sum
	const want = "1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0"
	if got := c.PasswordSHA256(); got != want {
		t.Fatalf("got %s want %s", got, want)
	}
}

// writeCA writes a self-signed CA certificate as PEM into dir and returns its path.
func writeCA(t *testing.T, dir string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o444); err != nil {
		t.Fatal(err)
	}
	return path
}

func writePasswordFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(path, []byte(content), 0o440); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSSLRootCertVerifiesTheServerWithThatCA(t *testing.T) {
	env := baseEnv()
	env["DB_SSLMODE"] = "verify-full"
	env["DB_SSLROOTCERT"] = writeCA(t, t.TempDir())
	c, err := LoadConfig(envFrom(env))
	if err != nil {
		t.Fatal(err)
	}
	if c.DBSSLRootCert != env["DB_SSLROOTCERT"] || c.Public().DBSSLRootCert != env["DB_SSLROOTCERT"] {
		t.Fatalf("DBSSLRootCert = %q, public %q", c.DBSSLRootCert, c.Public().DBSSLRootCert)
	}
	pc, err := pgxpool.ParseConfig(c.DatabaseURL())
	if err != nil {
		t.Fatalf("ParseConfig(%q): %v", c.DatabaseURL(), err)
	}
	tc := pc.ConnConfig.TLSConfig
	if tc == nil || tc.RootCAs == nil || tc.ServerName != "postgres.db.svc" || tc.InsecureSkipVerify && tc.VerifyPeerCertificate == nil {
		t.Fatalf("TLS config does not verify the server with the CA: %+v", tc)
	}
	if len(pc.ConnConfig.Fallbacks) != 0 {
		t.Fatalf("verify-full must not fall back to plain text: %d fallbacks", len(pc.ConnConfig.Fallbacks))
	}
}

func TestSSLRootCertProblemsNameTheVariable(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o444); err != nil {
		t.Fatal(err)
	}
	for value, want := range map[string]string{
		"ca.crt":                      "must be an absolute path",
		filepath.Join(dir, "missing"): "cannot read the CA file",
		notPEM:                        "holds no PEM certificate",
	} {
		env := baseEnv()
		env["DB_SSLMODE"] = "verify-full"
		env["DB_SSLROOTCERT"] = value
		_, err := LoadConfig(envFrom(env))
		if err == nil || !strings.Contains(err.Error(), "DB_SSLROOTCERT="+`"`+value+`"`) || !strings.Contains(err.Error(), want) {
			t.Errorf("DB_SSLROOTCERT=%q: error %v, want one naming the variable and %q", value, err, want)
		}
	}
}

func TestLoadConfigPasswordFile(t *testing.T) {
	cases := []struct{ name, content, want string }{
		{"as is", "from-file", "from-file"},
		{"one trailing newline trimmed", "from-file\n", "from-file"},
		{"one CRLF trimmed", "from-file\r\n", "from-file"},
		{"only one newline trimmed", "from-file\n\n", "from-file\n"},
		{"spaces kept", " pass word \n", " pass word "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := baseEnv()
			delete(env, "DB_PASSWORD")
			env["DB_PASSWORD_FILE"] = writePasswordFile(t, tc.content)
			c, err := LoadConfig(envFrom(env))
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if c.DBPassword != tc.want {
				t.Fatalf("password = %q, want %q", c.DBPassword, tc.want)
			}
		})
	}
}

func TestLoadConfigPasswordFileWinsOverEnv(t *testing.T) {
	env := baseEnv()
	env["DB_PASSWORD_FILE"] = writePasswordFile(t, "from-file\n")
	c, err := LoadConfig(envFrom(env))
	if err != nil || c.DBPassword != "from-file" {
		t.Fatalf("got %q, %v; want the file's password", c.DBPassword, err)
	}
	// /api/config's digest is of the password actually used, so the e2e suite sees the file's.
	if got, want := c.PasswordSHA256(), (Config{DBPassword: "from-file"}).PasswordSHA256(); got != want {
		t.Fatalf("digest %s, want %s", got, want)
	}
}

func TestLoadConfigPasswordFileErrors(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, []byte(strings.Repeat("x", maxPasswordFileBytes+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, path, want string }{
		{"missing", filepath.Join(dir, "nope"), "no such file"},
		{"a directory", dir, "is a directory"},
		{"under a file", filepath.Join(big, "password"), "not a directory"},
		{"empty", writePasswordFile(t, ""), "empty"},
		{"only a newline", writePasswordFile(t, "\n"), "empty"},
		{"too large", big, "larger than"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := baseEnv() // DB_PASSWORD is set too: a broken file must not silently fall back to it
			env["DB_PASSWORD_FILE"] = tc.path
			_, err := LoadConfig(envFrom(env))
			if err == nil {
				t.Fatalf("expected an error for %s", tc.path)
			}
			msg := err.Error()
			if !strings.Contains(msg, "DB_PASSWORD_FILE") || !strings.Contains(msg, tc.path) || !strings.Contains(msg, tc.want) {
				t.Fatalf("error %q should name DB_PASSWORD_FILE, %s and say %q", msg, tc.path, tc.want)
			}
		})
	}
}

func TestLoadConfigPasswordFileBlankPathFallsBackToEnv(t *testing.T) {
	env := baseEnv()
	env["DB_PASSWORD_FILE"] = "  "
	c, err := LoadConfig(envFrom(env))
	if err != nil || c.DBPassword != "s3cret" {
		t.Fatalf("got %q, %v", c.DBPassword, err)
	}
}

func TestLoadConfigNoPasswordNamesBothVariables(t *testing.T) {
	env := baseEnv()
	delete(env, "DB_PASSWORD")
	_, err := LoadConfig(envFrom(env))
	if err == nil || !strings.Contains(err.Error(), "DB_PASSWORD (or DB_PASSWORD_FILE") {
		t.Fatalf("got %v", err)
	}
}

func TestReadDatabaseURLUsesTheReadHostWithTheSameSettings(t *testing.T) {
	env := map[string]string{"DB_HOST": "postgres.ns.svc", "DB_READ_HOST": " postgres-read.ns.svc ", "DB_NAME": "g", "DB_USER": "u", "DB_PASSWORD": "p@ss", "DB_SSLMODE": "require"}
	c, err := LoadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.ReadDatabaseURL() != strings.Replace(c.DatabaseURL(), "postgres.ns.svc", "postgres-read.ns.svc", 1) {
		t.Fatalf("read URL %q does not match %q but for the host", c.ReadDatabaseURL(), c.DatabaseURL())
	}
	delete(env, "DB_READ_HOST")
	if c, _ = LoadConfig(func(k string) string { return env[k] }); c.ReadDatabaseURL() != "" {
		t.Fatalf("without DB_READ_HOST the read URL is %q, want empty", c.ReadDatabaseURL())
	}
}
