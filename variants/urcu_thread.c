#define _LGPL_SOURCE
#include <urcu/urcu-memb.h>

#include "urcu_thread.h"

static _Thread_local unsigned entered;

void sb_urcu_thread_enter(void)
{
	if (entered++ == 0)
		urcu_memb_register_thread();
}

void sb_urcu_thread_exit(void)
{
	if (--entered == 0)
		urcu_memb_unregister_thread();
}
