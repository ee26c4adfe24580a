# issue 18 (Tests): the fuzz test over job files and command lines.
rc_add_script_test(fuzz fuzz.sh LABELS cli TIMEOUT 300)
