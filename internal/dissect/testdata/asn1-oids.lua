-- Prints "oid<TAB>protocol" for every OID of the ranges below that a
-- protocol registered in tshark's ber.oid table (the OIDs whose contents
-- the BER dissector hands to another protocol, adding it to
-- frame.protocols). Run: tshark -X lua_script:asn1-oids.lua -r any.pcap -c 1
local t = DissectorTable.get("ber.oid")
local ranges = {
  {"2.5.4.", 0, 100}, {"2.5.29.", 0, 100}, {"1.3.6.1.5.5.7.1.", 0, 40},
  {"1.3.6.1.5.5.7.2.", 0, 10}, {"1.3.6.1.5.5.7.48.1.", 0, 20}, {"1.3.6.1.5.5.7.48.", 0, 20},
  {"2.16.840.1.113730.1.", 0, 20}, {"1.2.840.113549.1.1.", 0, 20}, {"1.2.840.113549.1.9.", 0, 30},
  {"1.2.840.10045.2.", 0, 5}, {"1.2.840.10045.4.3.", 0, 5}, {"1.2.840.10040.4.", 0, 5},
  {"0.9.2342.19200300.100.1.", 0, 60}, {"1.3.6.1.4.1.11129.2.4.", 0, 6},
  {"1.3.6.1.4.1.311.20.", 0, 5}, {"1.3.6.1.4.1.311.21.", 0, 30}, {"1.3.6.1.4.1.311.60.2.1.", 0, 5},
  {"1.3.101.", 100, 115}, {"2.23.140.1.", 0, 5}, {"1.3.6.1.5.5.7.3.", 0, 10},
}
for _, r in ipairs(ranges) do
  for i = r[2], r[3] do
    local oid = r[1] .. i
    local d = t:get_dissector(oid)
    if d then print(oid .. "\t" .. string.lower(tostring(d))) end
  end
end
