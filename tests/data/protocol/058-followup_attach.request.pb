corpus-v1-000058 õ4¬ç¯‹$Ë3±‰žâ
Uà(Ç·|K¡|‚N<*º;7
'https://files.example.com/minutes/1.pdfä¼šè®®çºªè¦