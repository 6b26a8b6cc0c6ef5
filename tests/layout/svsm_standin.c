/* SPDX-License-Identifier: MIT */
/*
 * Stand-in for an SVSM kernel in the layout tests: a freestanding static
 * executable linked at a physical address, with code, initialised data and
 * a BSS so every PT_LOAD case of the SVSM component is exercised.
 */
static volatile unsigned long counter = 0x5eed5eedul; /* .data */
static unsigned char scratch[3 * 4096 + 123];	      /* .bss, spans pages */

void _start(void);
void _start(void)
{
	for (;;) {
		counter++;
		scratch[counter % sizeof(scratch)]++;
		__asm__ volatile("hlt");
	}
}
