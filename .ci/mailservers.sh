#!/usr/bin/env bash
# Real mail servers on loopback for the end-to-end test and the mail
# benchmarks (e2e/):
#
#   bash .ci/mailservers.sh start DIR   install if missing, configure, start
#   bash .ci/mailservers.sh stop DIR    stop what start started
#
# - Postfix (the system instance) on 127.0.0.1:25, STARTTLS with Debian's
#   snakeoil certificate, delivering each Dovecot user's mail (below) into a
#   maildir per address, DIR/mail/<domain>/<local part>/, and every other
#   address of a *.example domain into DIR/mail/catchall.example/other/.
# - smtp-sink (from Postfix) on 127.0.0.1:2525: accepts and discards, for the
#   benchmarks.
# - Dovecot (a private instance, config under DIR/dovecot) on 127.0.0.1:10143,
#   IMAP without TLS, reading the same maildirs. Users: every address of the
#   embedded example configuration (config/examples/metro-2023.yaml) plus the
#   fixed test users below, all with the password "secret".
#
# Runs as root (Postfix and Dovecot need it). Safe to run twice: start
# restarts what runs, stop ignores what does not.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1
dir=$2
[ -n "$dir" ] || usage
case "$dir" in /*) ;; *) dir="$(pwd)/$dir" ;; esac

repo="$(cd "$(dirname "$0")/.." && pwd)"
vmail=duban-vmail
smtp_port=25
sink_port=2525
imap_port=10143
dove_conf="$dir/dovecot/dovecot.conf"
sink_pid="$dir/smtp-sink.pid"
postfix_log=/var/log/duban-postfix.log
# Users the tests need beyond the example configuration's addresses: a sender
# that is no unit's contact, the benchmark's mailbox, and mail/mailbox's
# Dovecot test (DUBAN_TEST_DOVECOT).
extra_users="stranger@outside.example bench@metro.example mailbox-test@metro.example"

if [ "$(id -u)" != 0 ]; then
  echo "mailservers.sh: must run as root (Postfix and Dovecot are system services)" >&2
  exit 1
fi

# wait_port PORT: until something accepts connections on 127.0.0.1:PORT (30 s).
wait_port() {
  local port=$1 i
  for i in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "mailservers.sh: nothing listens on 127.0.0.1:$port after 30 s" >&2
  return 1
}

# port_free PORT: nothing listens on 127.0.0.1:PORT, or say who might.
port_free() {
  local port=$1
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "mailservers.sh: 127.0.0.1:$port is already in use, probably by servers started with another DIR: run '$0 stop THAT_DIR' first" >&2
    return 1
  fi
}

install_packages() {
  local need=0
  command -v postfix >/dev/null 2>&1 || need=1
  command -v smtp-sink >/dev/null 2>&1 || need=1
  command -v dovecot >/dev/null 2>&1 || need=1
  [ -e /usr/lib/dovecot/imap ] || need=1
  [ -f /etc/ssl/certs/ssl-cert-snakeoil.pem ] || need=1
  if [ "$need" = 1 ]; then
    echo "== installing postfix, dovecot-imapd, ssl-cert"
    export DEBIAN_FRONTEND=noninteractive
    # Without a preseed, postfix's debconf may pick "No configuration".
    echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
    echo "postfix postfix/mailname string localhost" | debconf-set-selections
    apt-get update -qq
    apt-get install -y -qq postfix dovecot-imapd ssl-cert </dev/null >/dev/null
  fi
  if [ ! -f /etc/ssl/certs/ssl-cert-snakeoil.pem ]; then
    make-ssl-cert generate-default-snakeoil
  fi
  if ! id "$vmail" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$vmail"
  fi
}

# users: every address of the example configuration, plus extra_users.
users() {
  {
    grep -oE '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.example' "$repo/config/examples/metro-2023.yaml"
    printf '%s\n' $extra_users
  } | tr 'A-Z' 'a-z' | sort -u
}

start_postfix() {
  local uid gid
  uid=$(id -u "$vmail")
  gid=$(id -g "$vmail")
  [ -f /etc/postfix/main.cf ] || cp /usr/share/postfix/main.cf.debian /etc/postfix/main.cf
  [ -f /etc/aliases ] || echo "postmaster: root" >/etc/aliases
  newaliases
  # Every *.example domain is ours. The virtual delivery agent refuses regexp
  # substitution ($1) in virtual_mailbox_maps, so each known address is
  # listed with its maildir (texthash needs no postmap) and every other
  # *.example address (the benchmarks' synthetic units) shares one catch-all.
  echo '/\.example$/ OK' >/etc/postfix/duban-virtual-domains.regexp
  users | sed -E 's#^([^@]+)@(.+)$#\1@\2 \2/\1/#' >/etc/postfix/duban-virtual-mailboxes
  echo '/@.*\.example$/ catchall.example/other/' >/etc/postfix/duban-virtual-catchall.regexp
  postconf -e \
    "inet_interfaces = loopback-only" \
    "inet_protocols = ipv4" \
    "mydestination = localhost" \
    "mynetworks = 127.0.0.0/8" \
    "virtual_mailbox_domains = regexp:/etc/postfix/duban-virtual-domains.regexp" \
    "virtual_mailbox_maps = texthash:/etc/postfix/duban-virtual-mailboxes, regexp:/etc/postfix/duban-virtual-catchall.regexp" \
    "virtual_mailbox_base = $dir/mail" \
    "virtual_uid_maps = static:$uid" \
    "virtual_gid_maps = static:$gid" \
    "virtual_minimum_uid = $uid" \
    "smtpd_tls_security_level = may" \
    "smtpd_tls_cert_file = /etc/ssl/certs/ssl-cert-snakeoil.pem" \
    "smtpd_tls_key_file = /etc/ssl/private/ssl-cert-snakeoil.key" \
    "maillog_file = $postfix_log"
  postfix check
  # inet_interfaces and inet_protocols only change on a full restart.
  if postfix status >/dev/null 2>&1; then
    postfix stop >/dev/null 2>&1 || true
    for _ in $(seq 1 100); do postfix status >/dev/null 2>&1 || break; sleep 0.1; done
  fi
  postfix start
}

start_sink() {
  stop_sink
  port_free "$sink_port"
  setsid smtp-sink -4 -u nobody "127.0.0.1:$sink_port" 256 </dev/null >"$dir/smtp-sink.log" 2>&1 &
  echo $! >"$sink_pid"
}

stop_sink() {
  if [ -f "$sink_pid" ]; then
    local pid
    pid=$(cat "$sink_pid")
    if kill -0 "$pid" 2>/dev/null && grep -q smtp-sink "/proc/$pid/cmdline" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$sink_pid"
  fi
}

write_dovecot_conf() {
  local d="$dir/dovecot"
  mkdir -p "$d/run" "$d/state"
  : >"$d/users"
  for u in $(users); do echo "$u:{PLAIN}secret" >>"$d/users"; done
  chmod 640 "$d/users"
  chgrp dovecot "$d/users"
  cat >"$dove_conf" <<EOF
# Written by .ci/mailservers.sh: a private Dovecot for duban's tests.
protocols = imap
listen = 127.0.0.1
base_dir = $d/run
state_dir = $d/state
log_path = $d/dovecot.log
info_log_path = $d/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = dovenull
default_internal_user = dovecot
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $d/users
}
userdb {
  driver = static
  args = uid=$vmail gid=$vmail home=$dir/mail/%d/%n
}
mail_location = maildir:$dir/mail/%d/%n
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap_port
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
EOF
}

dovecot_running() {
  [ -f "$dir/dovecot/run/master.pid" ] && kill -0 "$(cat "$dir/dovecot/run/master.pid")" 2>/dev/null
}

start_dovecot() {
  if [ -f "$dove_conf" ] && dovecot_running; then
    dovecot -c "$dove_conf" stop || true
    for _ in $(seq 1 100); do dovecot_running || break; sleep 0.1; done
  fi
  port_free "$imap_port"
  write_dovecot_conf
  doveconf -c "$dove_conf" -n >/dev/null
  dovecot -c "$dove_conf"
}

start() {
  # Before touching anything: the ports must be free or ours (a restart).
  if ! { [ -f "$sink_pid" ] && kill -0 "$(cat "$sink_pid")" 2>/dev/null; }; then
    port_free "$sink_port"
  fi
  if ! { [ -f "$dove_conf" ] && dovecot_running; }; then
    port_free "$imap_port"
  fi
  install_packages
  mkdir -p "$dir/mail"
  # The delivery agent and Dovecot's imap run as the vmail user: it owns the
  # maildirs and must be able to reach them.
  chmod 755 "$dir"
  chown "$vmail:$vmail" "$dir/mail"
  chmod 700 "$dir/mail"
  if ! runuser -u "$vmail" -- test -w "$dir/mail"; then
    echo "mailservers.sh: $vmail cannot write $dir/mail; use a DIR whose parents are world-searchable (e.g. under /tmp)" >&2
    exit 1
  fi
  start_postfix
  start_sink
  start_dovecot
  wait_port "$smtp_port"
  wait_port "$sink_port"
  wait_port "$imap_port"
  echo "mail servers started under $dir:"
  echo "  postfix   127.0.0.1:$smtp_port   STARTTLS (snakeoil: $(openssl x509 -in /etc/ssl/certs/ssl-cert-snakeoil.pem -noout -subject 2>/dev/null)); maildirs $dir/mail; log $postfix_log"
  echo "  smtp-sink 127.0.0.1:$sink_port (pid $(cat "$sink_pid")); log $dir/smtp-sink.log"
  echo "  dovecot   127.0.0.1:$imap_port IMAP, no TLS; config $dove_conf; log $dir/dovecot/dovecot.log"
  echo "  $(wc -l <"$dir/dovecot/users") users, password \"secret\""
}

stop() {
  if [ -f "$dove_conf" ] && dovecot_running; then
    dovecot -c "$dove_conf" stop || true
  fi
  stop_sink
  if command -v postfix >/dev/null 2>&1 && postfix status >/dev/null 2>&1; then
    postfix stop || true
  fi
  echo "mail servers under $dir stopped"
}

case "$action" in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
