corpus-v1-000052 ùA¨+±ë¼æ€Á@5ôÌ d
G›òY¾ÅuÒKZ
admin	admin-pw2