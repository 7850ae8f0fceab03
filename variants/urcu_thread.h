/* urcu_thread.h — liburcu (memb flavour) thread registration shared by the
 * variants that use it.  liburcu registers threads, not (thread, database)
 * pairs: a thread that enters several databases, or one database twice (the
 * harness's final check), registers once and unregisters on its last exit. */
#ifndef SNAPBENCH_URCU_THREAD_H
#define SNAPBENCH_URCU_THREAD_H

void sb_urcu_thread_enter(void);
void sb_urcu_thread_exit(void);

#endif
