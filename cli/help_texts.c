/* SPDX-License-Identifier: MIT */
/*
 * The --help texts of `igvmkit build`, `regen`, `fuki` and `corim` (their cli/cmd_*.c
 * read the options): kept apart so that each command file holds only what it
 * does - options in, library call, output - as cli/measure_help.c does for
 * measure.  the docs/cmd/ pages and igvmkit(1) say the same; tests/cli/docs_in_step.py
 * checks them against each other.
 */
#include <stdio.h>

#include "cli/commands.h"
#include "cli/sign_cli.h"

void build_cli_usage(FILE *out)
{
	fprintf(out,
		"usage: igvmkit build [options] [LAYOUT.yaml]\n"
		"\n"
		"Assemble the IGVM file(s) a layout describes, with a measurements JSON beside each.\n"
		"Without LAYOUT, build the built-in default layout (Debian's OVMF.fd for sev-snp,\n"
		"tdx, sev-es and native).\n"
		"\n"
		"options:\n"
		"  -D, --define NAME=VALUE  set layout variable NAME (repeatable; beats the\n"
		"                           environment and the layout's defaults)\n"
		"      --allow-env NAME     let ${NAME} take its value from the environment\n"
		"                           (repeatable; by default a build reads none)\n"
		"      --env                let every ${NAME} read the environment\n"
		"      --no-env             the default, kept for compatibility: no environment\n"
		"      --variant NAME       apply variant NAME of the layout\n"
		"      --all-variants       build every variant the layout defines\n"
		"  -o, --output-dir DIR     write outputs into DIR (created if missing; default .)\n"
		"      --no-measurements    do not compute or write the measurements JSON\n"
		"      --list-variants      print the layout's variants and exit\n"
		"      --print-layout       print the effective layout (includes, variant, defines\n"
		"                           and defaults applied) as YAML and exit\n"
		"      --fuki-all NAME      also pack every built IGVM into one FUKI add-on NAME, one\n"
		"                           '.efifw' per variant (firmware id = variant name);\n"
		"                           signed like the layout's outputs.sign\n"
		"      --hwids PATH         '.hwids' of the --fuki-all add-on: a CHID JSON file (as\n"
		"                           ukify takes) or a directory of them; repeatable\n"
		"      --descriptor DIR     write a QEMU firmware descriptor NAME.firmware.json beside\n"
		"                           each IGVM NAME.igvm, naming DIR/NAME.igvm (where the IGVM\n"
		"                           is installed; absolute)\n"
		"      --check              rebuild in memory and compare with the outputs already in\n"
		"                           the output directory (-o); write nothing; exit 0 when\n"
		"                           every output is byte-identical, 1 otherwise (the\n"
		"                           differences are explained per header, page or section)\n"
		"  -q, --quiet              print nothing but warnings and errors\n"
		"  -v, --verbose            print the progress lines (one per variant) on standard\n"
		"                           error even when it is not a terminal\n"
		"      --max-input-size N   refuse inputs larger than N bytes (see 'igvmkit --help')\n"
		"  -h, --help               show this help\n"
		"\n"
		"See igvmkit-layout(5) for the layout language and docs/cmd/build.md.\n");
}

static const char regen_usage_text[] =
	"usage: igvmkit regen [options] -o OUTPUT INPUT\n"
	"\n"
	"Regenerates a vendor IGVM file, or a FUKI (an add-on or a UKI holding IGVM\n"
	"files), with your own Secure Boot seeds: finds the variable store in the IGVM's\n"
	"OVMF ROM pages (the PAGE_DATA run ending at 4 GiB), replaces PK/KEK/db/dbx in\n"
	"the same geometry for every platform, re-measures every platform, writes the\n"
	"new file and its measurements JSON atomically, re-wraps and re-signs a FUKI,\n"
	"and prints the old and new measurement of each platform.\n"
	"\n"
	"seeds (FILE: X.509 certificate PEM/DER, .esl, .auth, or a PE image to hash):\n"
	"  --db FILE               db entries (repeatable; replace the store's db)\n"
	"  --dbx FILE              dbx entries (repeatable)\n"
	"  --kek FILE              KEK entries (repeatable)\n"
	"  --pk FILE               PK (one certificate)\n"
	"  --db-hash HEX           db EFI_CERT_SHA256 entry (repeatable; also --dbx-hash)\n"
	"  --dbx-hash HEX          dbx EFI_CERT_SHA256 entry (repeatable)\n"
	"  --append                add the entries to the store's KEK/db/dbx instead of\n"
	"                          replacing them\n"
	"  -g, --owner GUID        SignatureOwner of the entries (default: zero GUID)\n"
	"  --secure-boot           also set SecureBootEnable=1 (placeholder dbx if none)\n"
	"  --no-secure-boot        also set SecureBootEnable=0\n"
	"  --time T                TimeStamp: 'YYYY-MM-DD HH:MM:SS', '@SECONDS' or '0'\n"
	"                          (default: latest .auth time, else SOURCE_DATE_EPOCH, else 0)\n"
	"\n"
	"measurement:\n"
	"  --vcpus N               vCPU count (repeatable; default 1)\n"
	"  --vcpu-type NAME        QEMU -cpu model (repeatable; default EPYC-v4)\n"
	"  --loader NAME           qemu (default), igvm-crate or igvmmeasure\n"
	"  --sb-authority X        the db entry that verifies a booted image (certificate,\n"
	"                          PE, ESL or sha256:HEX; repeatable, in boot order): its\n"
	"                          EV_EFI_VARIABLE_AUTHORITY completes the new PCR 7\n"
	"\n"
	"output:\n"
	"  -o, --output FILE       new IGVM (or FUKI for a FUKI input)\n"
	"  --measurements FILE     measurements JSON (default: OUTPUT + .measurements.json,\n"
	"                          so ms.igvm and ms.efi get their own; one per IGVM of a\n"
	"                          FUKI: + .FWID.measurements.json when it holds several)\n"
	"  --no-measurements       write no measurements JSON\n"
	"  --drop-id-block         remove an SNP_ID_BLOCK (it signs the old digest)\n"
	"  --unsigned              write a FUKI unsigned (otherwise --key/--cert are needed)\n"
	"  --extract-rom FILE      only write the OVMF ROM image the IGVM loads (the run of\n"
	"                          PAGE_DATA ending at 4 GiB of the first platform whose ROM\n"
	"                          holds a variable store; 'igvmkit vars list FILE' shows what\n"
	"                          is enrolled) and exit; no seeds needed\n"
	"\n"
	"signing (FUKI input):\n" CLI_SIGN_HELP
	"\n"
	"  -q, --quiet             print nothing but warnings and errors\n"
	"  -v, --verbose           also print each file written, its size and SHA-256\n"
	;

/* Split from regen_usage_text: C99 compilers need take only 4095-byte literals. */
static const char regen_usage_corim_text[] =
	"  --corim-key KEY         re-sign the IGVM's embedded CoRIMs (CORIM_SIGNATURE),\n"
	"                          regenerated for the new image, with this key (PEM or\n"
	"                          pkcs11: URI; --passphrase-file/--passphrase-env apply)\n"
	"  --corim-cert CERT       its certificate (goes into the COSE_Sign1 x5chain)\n"
	"  --corim-alg ALG         ES384, ES256, PS256, PS384 or EdDSA (default: the key's)\n"
	"  --corim-svn N           SVN the regenerated CoRIMs endorse (default: the vendor's)\n"
	"  --corim-unsigned        regenerate the embedded CoRIMs without signatures\n"
	"  --corim-drop            remove the embedded CoRIM headers (QEMU loads the result)\n"
	"  --corim-out PREFIX      also write the new image's CoRIMs as files, as 'build'\n"
	"                          does: PREFIX-snp|tdx.cbor, PREFIX-matrix.cbor (signed\n"
	"                          with --corim-key: PREFIX-*.cose beside each)\n"
	"  --max-input-size N      refuse inputs larger than N bytes (see 'igvmkit --help')\n"
	"  -h, --help              show this help\n"
	"\n"
	"An IGVM with CoRIM signatures is refused unless --corim-key, --corim-unsigned or\n"
	"--corim-drop says what replaces the vendor's signatures (they sign the old values).\n"
	"exit codes: 0 ok, 2 usage, 3 malformed input or no variable store, 4 cannot\n"
	"read or write, 5 key/certificate problem, 6 too large, 7 unsupported input\n";

void regen_cli_usage(FILE *out)
{
	fputs(regen_usage_text, out);
	fputs(regen_usage_corim_text, out);
}

static const char fuki_usage_text[] =
	"usage: igvmkit fuki [options] -o OUT.efi IGVM...\n"
	"       igvmkit fuki --list FUKI\n"
	"       igvmkit fuki --extract FWID -o OUT.igvm FUKI\n"
	"\n"
	"Wraps each IGVM file in an '.efifw' section (systemd >= 258 layout) of a UKI\n"
	"add-on PE that igvmkit generates itself, or adds them to an existing UKI or stub\n"
	"(--into).  Optionally signs the result (--key/--cert).\n"
	"\n"
	"options:\n"
	"  -o, --output OUT.efi   output PE (written atomically)\n"
	"  --into PE              add the sections to this UKI/stub instead of a new add-on\n"
	"  --unsign               with --into: drop a signature of PE instead of refusing it\n"
	"  --fwid ID              firmware id of the next IGVM, in order (repeatable;\n"
	"                         default: the file name without its extension)\n"
	"  --hwids PATH           CHID JSON file or directory of them, as ukify takes\n"
	"                         (repeatable); uefi-fw entries must name a firmware id\n"
	"  --sbat TEXT|@FILE      .sbat contents (default: ukify's add-on SBAT)\n"
	"  --no-sbat              write no .sbat section\n"
	"  --cmdline TEXT|@FILE   add a .cmdline section (needed for systemd-stub to\n"
	"                         accept the file as an add-on)\n"
	"  --osrel TEXT|@FILE     add an .osrel section\n"
	"  --uname TEXT           add a .uname section\n"
	"  --arch x64|aa64        machine of the generated add-on (default x64)\n"
	"  --any-payload          accept firmware files that are not IGVM (e.g. OVMF.fd)\n"
	"  --list                 print each '.efifw' entry of FUKI: fwid, bytes, SHA-256\n"
	"  --extract FWID         write the payload packed under FWID, byte for byte, to -o\n"
	CLI_SIGN_HELP
	"  -q, --quiet            print nothing but warnings and errors (no digest)\n"
	"  -v, --verbose          also print each '.efifw' entry: firmware id, file, size\n"
	"                         and SHA-256\n"
	"  --max-input-size N     refuse inputs larger than N bytes (see 'igvmkit --help')\n"
	"  -h, --help             show this help\n"
	"\n"
	"TimeDateStamp is SOURCE_DATE_EPOCH when set, else 0.  Prints the Authenticode\n"
	"SHA-256 of the output as the last line.\n"
	"Exit codes: 0 written, 2 usage, 3 invalid input, 4 I/O, 5 key problem, 6 limits.\n";

void fuki_cli_usage(FILE *out)
{
	fputs(fuki_usage_text, out);
}

/* igvmkit corim: cli/cmd_corim.c prints these around its subcommand table. */
const char corim_cli_usage_head[] =
	"usage: igvmkit corim sign --key KEY --cert CERT [--alg ALG] [--detached] [HEADER] -o OUT DOC\n"
	"       igvmkit corim tbs --cert CERT [--alg ALG] [HEADER] -o TBS DOC\n"
	"       igvmkit corim attach --cert CERT [--alg ALG] [HEADER] --signature SIG [--der]\n"
	"                            [--detached] -o OUT DOC\n"
	"       igvmkit corim tbs --igvm FILE --platform snp|tdx --cert CERT [--alg ALG]\n"
	"                         [HEADER] -o TBS\n"
	"       igvmkit corim attach --igvm FILE --platform snp|tdx --cert CERT [--alg ALG]\n"
	"                            [HEADER] --signature SIG [--der] -o OUT.igvm\n"
	"\n"
	"Signs the CoRIM document DOC (CBOR) as a COSE_Sign1 (RFC 9052) the way\n"
	"draft-ietf-rats-corim signs a CoRIM: tag 18, protected header alg,\n"
	"content-type application/rim+cbor, corim-meta and CWT-Claims naming the signer\n"
	"(the certificate's subject CN), x5chain with the certificate.  --detached\n"
	"writes payload nil: the form of an IGVM v2 CORIM_SIGNATURE header.\n"
	"Two-step signing: 'tbs' writes the Sig_structure bytes; a signing service\n"
	"signs them (ECDSA/PSS with the algorithm's hash, Ed25519 as they are); 'attach',\n"
	"given the same DOC and options, checks the signature with CERT and writes the\n"
	"same COSE_Sign1 'sign' would.  Verify with 'igvmkit verify --cert CERT FILE'.\n"
	"With --igvm, the document is the platform's embedded CORIM_DOCUMENT and attach\n"
	"writes the IGVM with that platform's CORIM_SIGNATURE set (detached form).\n";

const char corim_cli_usage_options[] =
	"options:\n"
	"  --key KEY               (sign) private key: PEM/DER file or pkcs11: URI\n"
	"  --passphrase-file FILE  (sign) key passphrase or token PIN: first line of FILE\n"
	"  --passphrase-env VAR    (sign) key passphrase or token PIN from variable VAR\n"
	"  --cert CERT             signer certificate (PEM or DER)\n"
	"  --alg ALG               ES256, ES384, EdDSA, PS256 or PS384 (default: from the\n"
	"                          certificate's key: P-384 ES384, P-256 ES256, Ed25519\n"
	"                          EdDSA, RSA PS256)\n"
	"  --detached              (sign, attach) payload nil; the document travels apart\n"
	"  --signature SIG         (attach) the signature over the tbs bytes: raw COSE form\n"
	"                          (ECDSA r||s, EdDSA, PSS as they are)\n"
	"  --der                   (attach) SIG is a DER ECDSA signature (converted)\n"
	"  --igvm FILE             (tbs, attach) sign the CORIM_DOCUMENT embedded in FILE\n"
	"  --platform P            (with --igvm) snp or tdx: whose document\n"
	"HEADER options (give the same to tbs and attach):\n"
	"  --not-after T           signature validity end, seconds since 1970\n"
	"  --not-before T          signature validity start (needs --not-after)\n"
	"  --kid HEX               key identifier (protected header kid, 1-64 bytes)\n"
	"  -o, --output FILE       the COSE_Sign1 (sign, attach) or the tbs bytes\n"
	"  -q, --quiet             print nothing but errors\n"
	"  -v, --verbose           also print the algorithm, signer and sizes\n"
	"  --max-input-size N      refuse inputs larger than N bytes (see 'igvmkit --help')\n"
	"  -h, --help              show this help\n"
	"\n"
	"Exit codes: 0 written, 1 the signature does not verify with CERT (attach),\n"
	"2 usage, 3 invalid input, 4 I/O, 5 key or certificate problem, 6 DOC over 1 MiB.\n"
	"See docs/cmd/corim.md.\n";
