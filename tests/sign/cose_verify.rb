# SPDX-License-Identifier: MIT
# Verifies a COSE_Sign1 with Debian's ruby-cose (gem 'cose' 1.2), an implementation igvmkit's
# authors did not write: usage: ruby cose_verify.rb SIGNED.cbor CERT.pem [DETACHED_PAYLOAD]
# Prints "ruby-cose: verified ALG" and exits 0, or "ruby-cose: rejected: WHY" and exits 1.
# ruby-cose 1.2 has no detached-payload API, so a detached message is rebuilt with the document
# as its payload (the Sig_structure is the same, RFC 9052 section 4.4); it re-encodes the
# protected header map from its decoded form, so it also checks igvmkit's encoding is canonical.
# Its COSE::Key -> OpenSSL conversion mutates keys, which Debian 12's OpenSSL 3.0 refuses ("pkeys
# are immutable on OpenSSL 3.0"), so the certificate's OpenSSL key is given to the algorithm
# directly (its verify accepts an OpenSSL::PKey); what Sign1#verify adds, the kid comparison, is
# done here (no kid is expected: the key comes from the certificate).
require "cose"
require "openssl"

bytes = File.binread(ARGV[0])
cert = OpenSSL::X509::Certificate.new(File.binread(ARGV[1]))
begin
  msg = COSE::Sign1.deserialize(bytes)
  if ARGV[2]
    msg = COSE::Sign1.new(protected_headers: msg.protected_headers,
                          unprotected_headers: msg.unprotected_headers,
                          payload: File.binread(ARGV[2]), signature: msg.signature)
  end
  msg.algorithm.verify(cert.public_key, msg.signature, msg.send(:verification_data))
  puts "ruby-cose: verified #{msg.algorithm.name}"
rescue StandardError => e
  puts "ruby-cose: rejected: #{e.message}"
  exit 1
end
