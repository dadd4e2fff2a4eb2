corpus-v1-000078 Yμ¶lpΟϊN ο‚σο]Υ——ζKγ}€ώ<VNΏΔΆ
liwang(