/* Signal names, as kill(1), runc and docker spell them. */
#ifndef SV_SIGNALS_H
#define SV_SIGNALS_H

/* "KILL", "SIGKILL", "sigkill", "9", "RTMIN+3", "SIGRTMAX-1" -> signal number;
 * -1 when invalid or out of range. */
int sv_signal_parse (const char *s);
/* 9 -> "SIGKILL", 35 -> "SIGRTMIN+1"; a static string, or NULL. */
const char *sv_signal_name (int sig);

#endif
