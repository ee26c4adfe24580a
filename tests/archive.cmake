# The archive (src/ensemble/archive/): create, write, read back, resume, edit (unit), and its fault
# paths under concurrent runs, full disks, lost files and odd names (issue 18).
rc_add_cmocka_test(test_archive LABELS unit TIMEOUT 120)
