/* Subcommands of the rnnchaos program.  Each takes the arguments after its name and returns the
 * process exit code of docs/user-guide.md (0 ok, 1 failed, 2 bad input, 3 stopped by a signal).
 * They live in the library so tests can call them; main.c only dispatches. */
#ifndef RNNCHAOS_COMMANDS_H
#define RNNCHAOS_COMMANDS_H

int rc_cmd_spectrum(int argc, char **argv);
int rc_cmd_run(int argc, char **argv);
int rc_cmd_info(int argc, char **argv);
int rc_cmd_gcrit(int argc, char **argv);
int rc_cmd_coherence(int argc, char **argv);
int rc_cmd_summarize(int argc, char **argv);
int rc_cmd_eigs(int argc, char **argv);
int rc_cmd_fixedpoints(int argc, char **argv);
int rc_cmd_dmft(int argc, char **argv);
int rc_cmd_gradients(int argc, char **argv);
int rc_cmd_clv(int argc, char **argv);

#endif
