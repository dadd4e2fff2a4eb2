/* SPDX-License-Identifier: MIT */
/*
 * remote_key.h: `crmd remote-key add|list|remove`: the ssh keys that may
 * open `crm --server ssh://` tunnels, kept in the authorized_keys of a
 * dedicated system account (crm). Each key is restricted to forwarding
 * to crmd's two loopback ports: no shell, no command, no pty, no other
 * forward. The key says which machine may reach crmd; the crm password
 * still says who the user is inside crm.
 */
#ifndef REMOTE_KEY_H
#define REMOTE_KEY_H

/*
 * remote_key_main: the subcommand; argv[0] is "remote-key". Returns the
 * exit status: 0 done, 1 refused or failed (a message on stderr), 2
 * usage.
 */
int remote_key_main(int argc, char **argv);

/*
 * remote_key_options: the authorized_keys options of a key for crmd on
 * tcp 127.0.0.1:port (PUB on port + 1), written into buf (n bytes).
 * Returns buf.
 */
char *remote_key_options(int port, char *buf, unsigned n);

#endif
