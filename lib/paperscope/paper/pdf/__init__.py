"""Text out of one PDF: page one with pdfminer.six's full layout, the body cheaply (PDFium), each under limits."""
