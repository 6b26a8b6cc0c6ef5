/* SPDX-License-Identifier: MIT */
/*
 * EFI test program for the consumer boots (built with Debian's gnu-efi by tests/consumer/lib.sh):
 * prints IGVMKIT-CONSUMER-HELLO and powers the machine off, so QEMU exits by itself and the serial
 * log of a boot is complete and the same every time (the control boot compares two such logs).
 */
#include <efi.h>
#include <efilib.h>
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	InitializeLib(image, systab);
	Print(L"IGVMKIT-CONSUMER-HELLO\n");
	uefi_call_wrapper(RT->ResetSystem, 4, EfiResetShutdown, EFI_SUCCESS, 0, NULL);
	return EFI_SUCCESS;
}
