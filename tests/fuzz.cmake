# issue 18 (Tests, item 10): the fuzz test over job files and command lines, and the serial
# commands' memory check.
rc_add_script_test(fuzz fuzz.sh LABELS cli TIMEOUT 300)
rc_add_script_test(mem_serial mem_serial.sh LABELS cli TIMEOUT 120)
