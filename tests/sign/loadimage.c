/* SPDX-License-Identifier: MIT */
/*
 * EFI test program (built with Debian's gnu-efi by tests/sign/qemu-loadimage.sh):
 * calls LoadImage() on each file named in LOADIMAGE_FILES, found on the volume
 * this program was loaded from, and prints one line per file:
 *   IGVMKIT-LOADIMAGE <name> status=0x<hex>
 * then "IGVMKIT-LOADIMAGE-DONE" and powers the machine off.  With Secure Boot
 * enforced, LoadImage() fails with EFI_SECURITY_VIOLATION or EFI_ACCESS_DENIED
 * for images whose Authenticode signature db does not admit.
 */
#include <efi.h>
#include <efilib.h>

static CHAR16 *files[] = { L"\\addon.efi", L"\\flipped.efi", L"\\unsigned.efi" };

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_LOADED_IMAGE *li = NULL;
	EFI_STATUS status;
	UINTN i;

	InitializeLib(image, systab);
	status = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(status)) {
		Print(L"IGVMKIT-LOADIMAGE-ERROR no loaded image protocol\n");
		return status;
	}
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		EFI_DEVICE_PATH *path = FileDevicePath(li->DeviceHandle, files[i]);
		EFI_HANDLE h = NULL;

		status = uefi_call_wrapper(BS->LoadImage, 6, FALSE, image, path, NULL, 0, &h);
		Print(L"IGVMKIT-LOADIMAGE %s status=0x%lx\n", files[i], (UINT64)status);
		if (h)
			uefi_call_wrapper(BS->UnloadImage, 1, h);
		FreePool(path);
	}
	Print(L"IGVMKIT-LOADIMAGE-DONE\n");
	uefi_call_wrapper(RT->ResetSystem, 4, EfiResetShutdown, EFI_SUCCESS, 0, NULL);
	return EFI_SUCCESS;
}
