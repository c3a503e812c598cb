console.log("uploader");
